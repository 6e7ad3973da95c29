// Command etcd: the etcd server, built from go.etcd.io/etcd/server/v3 for the e2e control plane.
// Upstream's own main is in a module that is not fetched here; this is the same entry point.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	etcdmain.Main(os.Args)
}
