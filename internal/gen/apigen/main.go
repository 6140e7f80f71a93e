// Command apigen writes govirt's generated API surface from libvirt's public
// headers and RPC protocol definition:
//
//	apigen enums  -in DIR -out virt
//	    one Go type per `typedef enum { … } virXxx;` of the public headers
//	    (libvirt-*.h), with libvirt's numeric values, in virt/<family>_gen.go.
//
//	apigen errors -in virt/virterr/codes_gen.go -out virt/errors_gen.go
//	    the error codes and domains of virt/virterr re-exported in virt.
//
//	apigen driver -in DIR -procs remote_procs.tsv -out internal/driver
//	    the driver contracts, one interface per family, whose Unsupported
//	    methods answer VIR_ERR_NO_SUPPORT from the error domain libvirt
//	    raises it from: apifiles.tsv (the project's own table of which
//	    libvirt source file defines each function) and sourceDomains.
//
//	apigen dispatch -in DIR -wire internal/rpc/remote -driver internal/driver -out internal/dispatch
//	    the daemon's REMOTE program dispatch onto the driver contracts.
//
//	apigen client -in DIR -wire internal/rpc/remote -driver internal/driver -out internal/drivers/remote
//	    the remote driver's RPC client implementing the driver contracts.
//
// DIR is libvirt's include/libvirt directory or a copy of its headers
// (the repository's `go generate ./virt` uses ../shared/reference's). To
// regenerate from a libvirt source tree, point -in at
// <libvirt>/include/libvirt (libvirt-common.h is built, not needed: its
// typed-parameter enums are known to the generator).
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
)

func main() {
	log.SetFlags(0)
	log.SetPrefix("apigen: ")
	if len(os.Args) < 2 {
		log.Fatal("usage: apigen enums|driver [flags]")
	}
	fs := flag.NewFlagSet(os.Args[1], flag.ExitOnError)
	in := fs.String("in", "../shared/reference/libvirt-9.0.0-protocol", "directory of libvirt's headers and .x files")
	out := fs.String("out", "", "output directory")
	procs := fs.String("procs", "../shared/reference/remote_procs.tsv", "procedure list (driver mode)")
	wireDir := fs.String("wire", "internal/rpc/remote", "wire types package directory (dispatch mode)")
	driverDir := fs.String("driver", "internal/driver", "driver contract package directory (dispatch mode)")
	_ = fs.Parse(os.Args[2:])
	var err error
	switch os.Args[1] {
	case "enums":
		err = generateEnums(*in, *out)
	case "driver":
		err = generateDriver(*in, *procs, *out)
	case "dispatch":
		err = generateDispatch(*in, *wireDir, *driverDir, *out)
	case "client":
		err = generateClient(*in, *wireDir, *driverDir, *out)
	case "errors":
		err = generateErrors(*in, *out)
	default:
		err = fmt.Errorf("unknown mode %q", os.Args[1])
	}
	if err != nil {
		log.Fatal(err)
	}
}
