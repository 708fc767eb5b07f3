package report

import (
	"testing"
	"time"

	"github.com/vnict/kiosk/kiosk/siteconfig"
)

func TestNextChange(t *testing.T) {
	hcm, _ := time.LoadLocation("Asia/Ho_Chi_Minh")
	at := func(d, h, m int) time.Time { return time.Date(2026, 3, d, h, m, 0, 0, hcm) }
	hours := func(o, c int) *siteconfig.Hours {
		return &siteconfig.Hours{Open: siteconfig.ClockTime(time.Duration(o) * time.Hour), Close: siteconfig.ClockTime(time.Duration(c) * time.Hour)}
	}
	tests := []struct {
		name      string
		hours     *siteconfig.Hours
		now, want time.Time
	}{
		{"all day", nil, at(1, 10, 0), time.Time{}},
		{"before opening", hours(6, 22), at(1, 5, 0), at(1, 6, 0)},
		{"open", hours(6, 22), at(1, 6, 0), at(1, 22, 0)},
		{"after closing", hours(6, 22), at(1, 23, 0), at(2, 6, 0)},
		{"night hours, evening", hours(18, 2), at(1, 20, 0), at(2, 2, 0)},
		{"night hours, small hours", hours(18, 2), at(1, 1, 0), at(1, 2, 0)},
		{"night hours, day", hours(18, 2), at(1, 12, 0), at(1, 18, 0)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := Schedule{Hours: tt.hours, Loc: hcm}
			if got := s.NextChange(tt.now); !got.Equal(tt.want) {
				t.Errorf("NextChange(%v) = %v, want %v", tt.now, got, tt.want)
			}
		})
	}
}
