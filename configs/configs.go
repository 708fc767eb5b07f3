// Package configs holds the example site configs: a border-gate LED wall
// (tinh-bien-gate.yaml), a portrait wall mounted on its side
// (vinh-xuong-gate.yaml), a commune ICT support point residents touch, in
// interactive mode (commune-support-point.yaml), and the demo (demo.yaml),
// which is built into the player as its default.
package configs

import _ "embed"

// Demo is demo.yaml, the config the player uses when given none.
//
//go:embed demo.yaml
var Demo []byte

// DemoName names the built-in demo config in messages.
const DemoName = "configs/demo.yaml (built in)"
