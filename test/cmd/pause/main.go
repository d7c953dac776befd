// Command pause is the node's pod sandbox (hack/node-up.sh puts it in an image
// with crane): it holds the pod's namespaces and does nothing until stopped.
package main

import (
	"os"
	"os/signal"
	"syscall"
)

func main() {
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGINT, syscall.SIGTERM)
	<-stop
}
