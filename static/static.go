// Package static embeds the stylesheet, the illustrations and the small
// script, and serves each under a name that carries a hash of its
// content, so browsers may cache them for a year and still never see a
// stale file after a release.
package static

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"
)

//go:embed css js illustrations
var files embed.FS

// Prefix is where the hashed files are served.
const Prefix = "/static/"

type asset struct {
	body        []byte
	gzipped     []byte // nil when compression does not pay
	contentType string
}

// Assets maps logical names ("css/portal.css") to hashed URLs and serves
// them.
type Assets struct {
	urls   map[string]string // logical name -> /static/name.<hash>.ext
	byPath map[string]*asset // hashed path (without prefix) -> asset
}

// Load reads and hashes every embedded file.
func Load() (*Assets, error) {
	a := &Assets{urls: map[string]string{}, byPath: map[string]*asset{}}
	var gz compressor
	err := fs.WalkDir(files, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := files.ReadFile(name)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(body)
		ext := path.Ext(name)
		hashed := strings.TrimSuffix(name, ext) + "." +
			hex.EncodeToString(sum[:6]) + ext
		a.urls[name] = Prefix + hashed
		a.byPath[hashed] = &asset{body: body, gzipped: gz.compress(body),
			contentType: contentType(ext)}
		return nil
	})
	return a, err
}

// MustLoad is Load for program start, where the embedded files are known
// good; a failure is a build defect.
func MustLoad() *Assets {
	a, err := Load()
	if err != nil {
		panic("BUG: embedded static files unreadable: " + err.Error())
	}
	return a
}

// URL returns the hashed URL of a logical name, or "" if there is none.
func (a *Assets) URL(name string) string { return a.urls[name] }

// ServeHTTP serves one hashed file, precompressed when the client accepts
// gzip, with a year-long immutable cache lifetime.
func (a *Assets) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f, ok := a.byPath[strings.TrimPrefix(r.URL.Path, Prefix)]
	if !ok {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	h.Set("Content-Type", f.contentType)
	h.Set("Cache-Control", "public, max-age=31536000, immutable")
	h.Set("Vary", "Accept-Encoding")
	body := f.body
	if f.gzipped != nil && strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
		h.Set("Content-Encoding", "gzip")
		body = f.gzipped
	}
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(body))
}

// compressor gzips the files one after another with one writer. A
// writer at BestCompression holds about a megabyte of state; one per file
// made the heap larger at start than at any time after, and the process's
// memory with it.
type compressor struct {
	buf bytes.Buffer
	zw  *gzip.Writer
}

// compress returns b gzipped, or nil when compression does not pay.
func (c *compressor) compress(b []byte) []byte {
	c.buf.Reset()
	if c.zw == nil {
		c.zw, _ = gzip.NewWriterLevel(&c.buf, gzip.BestCompression)
	} else {
		c.zw.Reset(&c.buf)
	}
	_, _ = c.zw.Write(b)
	_ = c.zw.Close()
	if c.buf.Len() >= len(b)*9/10 {
		return nil
	}
	return bytes.Clone(c.buf.Bytes())
}

func contentType(ext string) string {
	switch ext {
	case ".css":
		return "text/css; charset=utf-8"
	case ".js":
		return "text/javascript; charset=utf-8"
	case ".svg":
		return "image/svg+xml"
	case ".png":
		return "image/png"
	}
	return "application/octet-stream"
}
