package templates

import (
	"strconv"
	"strings"
)

func itoa(n int) string { return strconv.Itoa(n) }

func boolAttr(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

func orDefault(v, d string) string {
	if v == "" {
		return d
	}
	return v
}

// describedBy joins the IDs of a field's hint, saved note and error.
func describedBy(f Field) string {
	var ids []string
	if f.Hint != "" {
		ids = append(ids, f.ID+"-hint")
	}
	if f.SavedMask != "" {
		ids = append(ids, f.ID+"-saved")
	}
	if f.Error != "" {
		ids = append(ids, f.ID+"-error")
	}
	return strings.Join(ids, " ")
}

func noticeRole(kind string) string {
	if kind == "error" || kind == "warning" {
		return "alert"
	}
	return "status"
}
