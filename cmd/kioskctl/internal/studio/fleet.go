package studio

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/vnict/kiosk/cmd/kioskctl/internal/fleetview"
	"github.com/vnict/kiosk/kiosk/report/fleet"
	"github.com/vnict/kiosk/kiosk/report/render"
	"github.com/vnict/kiosk/kiosk/report/screen"
	"github.com/vnict/kiosk/sync/provision"
)

// fleetFresh is how long a reading of the sites' statuses is shown
// before it is read again: however many pages poll, the store is read
// at most once in this time.
const fleetFresh = 10 * time.Second

// errNoReports is a studio whose store cannot list reports.
var errNoReports = errors.New("Chưa có kho báo cáo: cần --store s3://BUCKET/PREFIX (no S3 report store)")

// fleetCache holds the last reading of every site's status, read in the
// background.
type fleetCache struct {
	s       *Server
	mu      sync.Mutex
	rows    []fleet.SiteStatus
	at      time.Time
	err     error
	running chan struct{} // closed when the read under way ends
	// table is the fleet table rendered for the reading tableKey names.
	table    template.HTML
	tableKey string
}

func newFleetCache(s *Server) *fleetCache { return &fleetCache{s: s} }

// get returns the last reading, starting a new one when it is older than
// fleetFresh; it waits only when there is no reading at all yet.
func (c *fleetCache) get(ctx context.Context) ([]fleet.SiteStatus, time.Time, error) {
	if c.s.opt.Reports == nil {
		return nil, time.Time{}, errNoReports
	}
	c.mu.Lock()
	now := c.s.now()
	if (c.at.IsZero() || now.Sub(c.at) >= fleetFresh) && c.running == nil {
		done := make(chan struct{})
		c.running = done
		go c.read(done)
	}
	done := c.running
	if !c.at.IsZero() {
		defer c.mu.Unlock()
		return c.rows, c.at, c.err
	}
	c.mu.Unlock()
	select {
	case <-done:
	case <-ctx.Done():
		return nil, time.Time{}, ctx.Err()
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.rows, c.at, c.err
}

// expire makes the next get read the statuses again.
func (c *fleetCache) expire() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.at.IsZero() {
		c.at = c.at.Add(-fleetFresh)
	}
}

func (c *fleetCache) read(done chan struct{}) {
	ctx, cancel := context.WithTimeout(c.s.ctx, time.Minute)
	defer cancel()
	now := c.s.now()
	rows, err := fleet.Statuses(ctx, c.s.opt.Reports, now)
	if err != nil {
		c.s.log.Warn("fleet status not read", "err", err)
	}
	c.mu.Lock()
	if err == nil || c.at.IsZero() {
		c.rows, c.err = rows, err
	}
	c.at, c.running = now, nil
	c.mu.Unlock()
	close(done)
}

// fleetRow is one row of the fleet page.
type fleetRow struct {
	fleetview.Row
	Name       string
	Screenshot bool
}

type fleetData struct {
	pageData
	// Table is the fleet table rendered once for a reading of the
	// statuses: every page and poll of that reading shares it.
	Table                template.HTML
	Rows                 []fleetRow
	Read                 string
	Online, Stopped, Off int
	Error                string
	Month                string
}

func (s *Server) fleetData(r *http.Request) *fleetData {
	d := &fleetData{pageData: s.page(r, "Các điểm (fleet)", "fleet"), Month: s.now().In(s.loc()).Format("2006-01")}
	rows, at, err := s.fleet.get(r.Context())
	if err != nil {
		d.Error = err.Error()
	}
	if !at.IsZero() {
		d.Read = at.In(s.loc()).Format("15:04:05")
	}
	names := map[string]string{}
	for _, c := range s.sites {
		names[c.Site.ID] = c.Site.Name
	}
	loc := s.loc()
	now := s.now()
	d.Rows = make([]fleetRow, len(rows))
	for i, st := range rows {
		row := fleetview.MakeRow(st, now, loc)
		d.Rows[i] = fleetRow{Row: row, Name: names[st.Site], Screenshot: !row.NoStatus}
		switch row.Online {
		case "online":
			d.Online++
		case "stopped":
			d.Stopped++
		default:
			d.Off++
		}
	}
	return d
}

// fleetTable renders the fleet table of the current reading, or returns
// the one rendered for it already.
func (s *Server) fleetTable(r *http.Request) (*fleetData, error) {
	d := s.fleetData(r)
	c := s.fleet
	c.mu.Lock()
	key := d.Read + "|" + d.Error + "|" + strconv.Itoa(len(d.Rows))
	if c.tableKey == key && c.table != "" {
		d.Table = c.table
		c.mu.Unlock()
		return d, nil
	}
	c.mu.Unlock()
	var buf bytes.Buffer
	if err := s.pages["fleet"].ExecuteTemplate(&buf, "fleet-table", d); err != nil {
		return nil, err
	}
	d.Table = template.HTML(buf.String())
	c.mu.Lock()
	c.table, c.tableKey = d.Table, key
	c.mu.Unlock()
	return d, nil
}

func (s *Server) fleetPage(w http.ResponseWriter, r *http.Request) {
	d, err := s.fleetTable(r)
	if err != nil {
		s.log.Error("fleet table not rendered", "err", err)
		http.Error(w, "Lỗi hiển thị trang (page error)", http.StatusInternalServerError)
		return
	}
	s.render(w, r, "fleet", d)
}

// fleetFragment is the fleet table alone, which the page fetches to
// refresh itself.
func (s *Server) fleetFragment(w http.ResponseWriter, r *http.Request) {
	d, err := s.fleetTable(r)
	if err != nil {
		s.log.Error("fleet table not rendered", "err", err)
		http.Error(w, "Lỗi hiển thị trang (page error)", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	io.WriteString(w, string(d.Table))
}

// screenshot serves a site's last screenshot, read through screen.Fetch
// (bounded, and checked to be a JPEG).
func (s *Server) screenshot(w http.ResponseWriter, r *http.Request) {
	site := r.PathValue("site")
	if s.opt.Reports == nil || provision.CheckSiteID(site) != nil {
		http.NotFound(w, r)
		return
	}
	data, err := screen.Fetch(r.Context(), s.opt.Reports, site)
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			s.log.Warn("screenshot refused", "site", site, "err", err)
		}
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "image/jpeg")
	w.Header().Set("Cache-Control", "private, max-age=30")
	w.Write(data)
}

// reportDownload builds the month's report (as `kioskctl report`) and
// sends it as the HTML page or a ZIP of the CSV files.
func (s *Server) reportDownload(w http.ResponseWriter, r *http.Request) {
	if s.opt.Reports == nil {
		http.Error(w, errNoReports.Error(), http.StatusServiceUnavailable)
		return
	}
	loc := s.loc()
	month, err := time.ParseInLocation("2006-01", r.URL.Query().Get("month"), loc)
	if err != nil {
		http.Error(w, "Tháng không hợp lệ: cần YYYY-MM (month)", http.StatusBadRequest)
		return
	}
	now := s.now()
	from := month
	to := month.AddDate(0, 1, -1)
	if from.After(now) {
		http.Error(w, "Tháng chưa tới (a month to come)", http.StatusBadRequest)
		return
	}
	if to.After(now) {
		to = now.In(loc)
	}
	configs, notes, err := fleetview.LoadConfigs(s.opt.SitesDir)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	rep, err := fleetview.BuildReport(r.Context(), s.opt.Reports, fleetview.ReportRequest{
		From: from, To: to, Now: now, Configs: configs, ConfigNotes: notes}, io.Discard)
	if err != nil {
		s.log.Warn("report not built", "month", month.Format("2006-01"), "err", err)
		http.Error(w, "Không lập được báo cáo: "+err.Error(), http.StatusInternalServerError)
		return
	}
	name := "bao-cao-" + month.Format("2006-01")
	switch r.URL.Query().Get("format") {
	case "csv":
		data, err := csvZip(rep)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/zip")
		w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s-csv.zip"`, name))
		w.Write(data)
	default:
		var buf bytes.Buffer
		if err := render.WriteHTML(&buf, rep); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s.html"`, name))
		w.Write(buf.Bytes())
	}
}

// csvZip writes the report's CSV files (render.WriteCSV) into a ZIP.
func csvZip(rep *render.Report) ([]byte, error) {
	tmp, err := os.MkdirTemp("", "kiosk-studio-report-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	files, err := render.WriteCSV(tmp, rep)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, p := range files {
		data, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		f, err := zw.Create(filepath.Base(p))
		if err != nil {
			return nil, err
		}
		if _, err := f.Write(data); err != nil {
			return nil, err
		}
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
