package cloudelements

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
)

// FindInstancesByTag lists the instances carrying tag, using
// GET /instances?tags[]=<tag>. The handoff job calls it before creating
// again, to learn whether an earlier attempt whose answer was lost did
// create the instance. Instances that come back without the tag are
// dropped, so a server that ignores the filter cannot cause a false match.
func (c *Client) FindInstancesByTag(ctx context.Context,
	tag string) ([]Instance, error) {
	if tag == "" {
		return nil, c.fail(ctx, &Error{op: opFind, Kind: KindRejected,
			Message: "tag is empty"})
	}
	q := url.Values{"tags[]": {tag}}
	rep, e := c.send(ctx, opFind, http.MethodGet, "/instances", q, nil,
		maxListBody)
	if e != nil {
		return nil, c.fail(ctx, e)
	}
	all, e := parseInstanceList(rep.status, rep.header, rep.body, c.now())
	if e != nil {
		return nil, c.fail(ctx, e)
	}

	var found []Instance
	for _, in := range all {
		if slices.Contains(in.Tags, tag) {
			found = append(found, in)
		}
	}
	c.log.LogAttrs(ctx, slog.LevelDebug, "cloud elements instances found",
		slog.Int("count", len(found)))
	return found, nil
}
