package lint

import (
	"fmt"
	"strings"

	"github.com/vnict/kiosk/content"
	"github.com/vnict/kiosk/kiosk/siteconfig"
)

// MaxRenditionBytes is the size of a rendition file above which lint
// warns: at the bitrates kioskctl add-video makes (about 2-4 Mbit/s at
// wall sizes), 500 MB is a clip of well over a quarter of an hour, which a
// site on a slow border or rural link takes hours to fetch.
const MaxRenditionBytes = 500 << 20

// checkVideo checks a video item for the site cfg: a rendition made for
// the site's output size, rotation and frame rate (the player plays
// renditions as they are, never scaling or turning video); a note when
// the clip has sound the site does not play; a warning for rendition
// files above MaxRenditionBytes. The renditions' geometry is the
// manifest's, which the approval's signature covers; the player refuses
// frames of another size. source names the bundle in the remedy.
func checkVideo(r *Report, b *content.Bundle, it *content.Item, cfg *siteconfig.Config, source string) {
	w, h := cfg.Display.OutputSize()
	rot, fps := cfg.Display.Rotation, cfg.Video.FPS
	v := it.Video
	if _, ok := v.Rendition(w, h, rot, fps); !ok {
		var have []string
		for _, rd := range v.Renditions {
			have = append(have, rd.Geometry())
		}
		r.add(Finding{Error: true, Item: it.ID, Message: fmt.Sprintf(
			"no rendition for %s, the screen of site %s (it has %s); run kioskctl add-video %s CLIP --id %s --site %s",
			content.Geometry(w, h, rot, fps), cfg.Site.ID, strings.Join(have, "; "), source, it.ID, cfg.Path)})
	}
	if v.Sound && !cfg.PlaysVideoSound() {
		r.add(Finding{Info: true, Item: it.ID, Message: fmt.Sprintf(
			"the clip has sound, but site %s (mode %s) plays video silently (video.sound in its config)", cfg.Site.ID, cfg.Mode)})
	}
	for _, rd := range v.Renditions {
		f, ok := b.File(rd.File)
		if ok && f.Size > MaxRenditionBytes {
			r.add(Finding{Item: it.ID, File: rd.File, Message: fmt.Sprintf(
				"%d bytes, more than %d MiB: every site the bundle is for fetches every rendition; shorten the clip or split it",
				f.Size, MaxRenditionBytes>>20)})
		}
	}
}
