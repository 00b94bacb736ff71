package netsuite

import (
	"errors"
	"net"
	"net/netip"
	"syscall"
	"time"
)

// connectTimeout bounds the TCP connect to NetSuite.
const connectTimeout = 5 * time.Second

// ErrForbiddenAddress is returned when the guarded dialer refuses to
// connect to a loopback, private, link-local or otherwise internal address.
var ErrForbiddenAddress = errors.New("netsuite: refusing to connect to a non-public address")

// GuardedDialer returns a dialer that connects only to public unicast
// addresses. The check runs on the address actually dialled, after name
// resolution, so a DNS answer that points inside the network is refused as
// well. The client uses it whenever the real NetSuite endpoints are in use.
func GuardedDialer() *net.Dialer {
	return &net.Dialer{
		Timeout:   connectTimeout,
		KeepAlive: 30 * time.Second,
		Control: func(network, address string, _ syscall.RawConn) error {
			return checkDialAddress(address)
		},
	}
}

// blockedPrefixes are special-purpose ranges that the netip predicates do
// not cover.
var blockedPrefixes = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),       // "this network"
	netip.MustParsePrefix("100.64.0.0/10"),   // carrier-grade NAT
	netip.MustParsePrefix("192.0.0.0/24"),    // IETF protocol assignments
	netip.MustParsePrefix("198.18.0.0/15"),   // benchmarking
	netip.MustParsePrefix("240.0.0.0/4"),     // reserved, and broadcast
	netip.MustParsePrefix("64:ff9b::/96"),    // NAT64, may reach IPv4 inside
	netip.MustParsePrefix("64:ff9b:1::/48"),  // local-use NAT64
	netip.MustParsePrefix("2002::/16"),       // 6to4, may embed a private IPv4
	netip.MustParsePrefix("100::/64"),        // discard-only
	netip.MustParsePrefix("2001:db8::/32"),   // documentation
	netip.MustParsePrefix("fec0::/10"),       // deprecated site-local
	netip.MustParsePrefix("::/128"),          // unspecified
	netip.MustParsePrefix("::ffff:0:0/96"),   // checked after Unmap anyway
	netip.MustParsePrefix("2001::/32"),       // Teredo, embeds an IPv4
	netip.MustParsePrefix("192.88.99.0/24"),  // 6to4 relay anycast
	netip.MustParsePrefix("198.51.100.0/24"), // documentation
	netip.MustParsePrefix("203.0.113.0/24"),  // documentation
	netip.MustParsePrefix("192.0.2.0/24"),    // documentation
}

// checkDialAddress refuses any address that is not a public unicast one.
func checkDialAddress(address string) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return ErrForbiddenAddress
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return ErrForbiddenAddress
	}
	if !isPublicAddr(ip) {
		return ErrForbiddenAddress
	}
	return nil
}

func isPublicAddr(ip netip.Addr) bool {
	ip = ip.Unmap().WithZone("")
	if !ip.IsValid() || ip.IsLoopback() || ip.IsPrivate() ||
		ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
		ip.IsInterfaceLocalMulticast() || ip.IsMulticast() ||
		ip.IsUnspecified() || !ip.IsGlobalUnicast() {
		return false
	}
	for _, p := range blockedPrefixes {
		if p.Contains(ip) {
			return false
		}
	}
	return true
}
