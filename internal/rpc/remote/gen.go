// Package remote holds libvirt's REMOTE, QEMU and LXC program wire types,
// generated from libvirt 9.0's remote_protocol.x, qemu_protocol.x and
// lxc_protocol.x: every argument, reply and event message struct with its
// XDR encoder and decoder, the protocol's constants and limits, and the
// procedure tables with libvirt's annotations (ACLs, priority, streams).
package remote

//go:generate go run ../../gen/rpcgen -x ../../../../shared/reference/libvirt-9.0.0-protocol -root ../../..
