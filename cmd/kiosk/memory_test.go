package main

import (
	"runtime/debug"
	"testing"
)

func TestGCPercent(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	cases := []struct {
		name string
		env  map[string]string
		want int
	}{
		{"default", nil, gcPercent},
		{"GOGC given", map[string]string{"GOGC": "150"}, 100},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			debug.SetGCPercent(100)
			setGCPercent(func(k string) string { return c.env[k] })
			if got := debug.SetGCPercent(100); got != c.want {
				t.Errorf("GC percent %d, want %d", got, c.want)
			}
		})
	}
}
