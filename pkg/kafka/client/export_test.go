package client

// Test helpers for the tests of package client_test, which import packages
// (the receiver) that import this one.
var (
	EventHubsSecret = eventHubsSecret
	AzureSettings   = azureSettings
	ConsumeGroup    = consumeGroup
)
