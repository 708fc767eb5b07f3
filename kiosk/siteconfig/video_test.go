package siteconfig

import (
	"strings"
	"testing"
)

func TestVideo(t *testing.T) {
	tests := []struct {
		name    string
		yaml    string // appended to valid
		fps     int
		sound   bool
		program string
		wantErr string // a part of the error; "" for none
	}{
		{name: "defaults on a wall", yaml: "", fps: DefaultVideoFPS, sound: false, program: "ffmpeg"},
		{name: "defaults at an interactive site", yaml: "mode: interactive\n", fps: DefaultVideoFPS, sound: true, program: "ffmpeg"},
		{name: "wall with sound", yaml: "video: {fps: 30, sound: true, ffmpeg: 'C:\\kiosk\\ffmpeg.exe'}\n", fps: 30, sound: true, program: `C:\kiosk\ffmpeg.exe`},
		{name: "interactive site silent", yaml: "mode: interactive\nvideo: {sound: false}\n", fps: DefaultVideoFPS, sound: false, program: "ffmpeg"},
		{name: "fps too high", yaml: "video: {fps: 61}\n", wantErr: "site.yaml: video.fps: "},
		{name: "fps negative", yaml: "video: {fps: -1}\n", wantErr: "site.yaml: video.fps: "},
		{name: "ffmpeg with a control character", yaml: "video: {ffmpeg: \"/usr/bin/ffmpeg\\n-i\"}\n", wantErr: "site.yaml: video.ffmpeg: "},
		{name: "unknown field", yaml: "video: {codec: h264}\n", wantErr: "field codec not found"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Parse([]byte(valid+tc.yaml), "site.yaml")
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want one with %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.Video.FPS != tc.fps || c.PlaysVideoSound() != tc.sound || c.Video.Program() != tc.program {
				t.Errorf("fps %d sound %v program %q; want %d %v %q", c.Video.FPS, c.PlaysVideoSound(), c.Video.Program(), tc.fps, tc.sound, tc.program)
			}
		})
	}
}

func TestFFmpegPath(t *testing.T) {
	for _, tc := range []struct{ ffmpeg, want string }{
		{"", "ffmpeg"},
		{"ffmpeg", "ffmpeg"},
		{"/usr/bin/ffmpeg", "/usr/bin/ffmpeg"},
		{"tools/ffmpeg", "/etc/kiosk/tools/ffmpeg"},
	} {
		c := &Config{Path: "/etc/kiosk/site.yaml", Video: Video{FFmpeg: tc.ffmpeg}}
		if got := c.FFmpeg(); got != tc.want {
			t.Errorf("video.ffmpeg %q: FFmpeg() = %q, want %q", tc.ffmpeg, got, tc.want)
		}
	}
}
