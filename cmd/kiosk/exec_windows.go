package main

import "errors"

// canExec: Windows has no exec; `kiosk supervise` starts the chosen build.
const canExec = false

func execProgram(string, []string, []string) error {
	return errors.New("a program cannot take this process's place on Windows")
}
