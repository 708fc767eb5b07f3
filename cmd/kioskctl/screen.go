package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/vnict/kiosk/kiosk/report/render"
	"github.com/vnict/kiosk/kiosk/report/screen"
	"github.com/vnict/kiosk/sync/provision"
)

// runScreenshot is `kioskctl screenshot SITE...`: it asks each site for a
// screenshot now, by writing its request object.
func runScreenshot(ctx context.Context, args []string, stdout io.Writer) error {
	fset, sf := newStoreFlags("screenshot")
	sites, err := parse(fset, args)
	if err != nil {
		return err
	}
	if len(sites) == 0 {
		return errors.New("screenshot: name the sites to ask (kioskctl screenshot SITE...)")
	}
	for _, site := range sites {
		if err := provision.CheckSiteID(site); err != nil {
			return fmt.Errorf("screenshot: %w", err)
		}
	}
	st, err := sf.open()
	if err != nil {
		return err
	}
	for _, site := range sites {
		if err := screen.Ask(ctx, st, site, time.Now()); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "asked %s for a screenshot (%s); it arrives within seconds as %s\n",
			site, screen.RequestKey(site), screen.Key(site))
	}
	return nil
}

// saveScreens writes each site's latest screenshot into dir as
// screen.FileName(site), eight sites at a time, and says on out what it
// did for each. A site with none, or one refused (too large, not a JPEG),
// is named with the reason and the others are still written.
func saveScreens(ctx context.Context, st screen.Getter, sites []string, dir string, out io.Writer) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("--screens: %w", err)
	}
	results := make([]string, len(sites))
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(8)
	for i, site := range sites {
		g.Go(func() error {
			data, err := screen.Fetch(ctx, st, site)
			switch {
			case errors.Is(err, fs.ErrNotExist):
				results[i] = "no screenshot yet"
				return nil
			case err != nil:
				results[i] = "refused: " + oneLine(err.Error())
				return nil
			}
			name := screen.FileName(site)
			if err := writeFileAtomic(filepath.Join(dir, name), data); err != nil {
				return err
			}
			results[i] = name
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return fmt.Errorf("--screens: %w", err)
	}
	for i, site := range sites {
		fmt.Fprintf(out, "screen %s: %s\n", render.Printable(site), results[i])
	}
	return nil
}

// writeFileAtomic writes data to path through a temporary file renamed
// over it, so a viewer never opens half a picture.
func writeFileAtomic(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".screen-*")
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		os.Remove(f.Name())
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(f.Name())
		return err
	}
	if err := os.Chmod(f.Name(), 0o644); err != nil {
		os.Remove(f.Name())
		return err
	}
	return os.Rename(f.Name(), path)
}
