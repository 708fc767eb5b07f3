//go:build unix

package main

import "syscall"

// canExec: a program can take this process's place.
const canExec = true

// execProgram runs the program at path in this process's place; it
// returns only if it could not.
func execProgram(path string, args, env []string) error {
	return syscall.Exec(path, args, env)
}
