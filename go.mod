module github.com/govirt/govirt

go 1.24.0

require (
	github.com/digitalocean/go-libvirt v0.0.0-20261013170128-efbbdf578ac8
	github.com/vishvananda/netlink v1.3.1
	github.com/vishvananda/netns v0.0.5
	golang.org/x/sys v0.41.0
)

require golang.org/x/crypto v0.48.0 // indirect
