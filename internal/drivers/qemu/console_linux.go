package qemu

import "syscall"

const syscallNoctty = syscall.O_NOCTTY
