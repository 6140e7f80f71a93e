// Package secret reads and writes libvirt's secret XML (secret_conf.c) and
// the secret references other documents carry (virsecret.c's lookup).
package secret
