/*
 Copyright 2021 The CloudEvents Authors
 SPDX-License-Identifier: Apache-2.0
*/

/*
Package kafka_sarama implements a Kafka binding using github.com/IBM/sarama module
*/
package kafka_sarama
