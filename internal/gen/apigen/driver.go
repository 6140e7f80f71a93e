package main

import "errors"

func generateDriver(in, procs, out string) error { return errors.New("not yet") }
