// qgo-interop: a quic-go 0.59 interop-runner endpoint (client and server, HTTP/0.9 "hq-interop",
// and HTTP/3 "h3" for the http3 test case), ported from quic-go 0.59.0's own interop/client,
// interop/server and interop/utils programs (the ones the real quic-interop-runner uses for
// quic-go; Debian ships them in the -dev package), with every path and the listen address taken
// from flags instead of /www, /downloads, /certs, /logs and :443 so it runs on one machine
// without Docker, and with one addition that upstream's client does not have: migration to a
// server's preferred address (below).
//
// It is built by interop/peers/setup.sh inside a copy of Debian's quic-go source tree
// (github.com/quic-go/quic-go/interop/qgo-interop), because, like upstream, the keyupdate client sets
// internal/handshake.FirstKeyUpdateInterval and the chacha20 endpoints call
// internal/qtls.SetCipherSuite, which Go only lets code under the quic-go tree import.
//
// Test cases, exactly as quic-go 0.59.0's interop programs support them (the same lists as 0.50.1's):
//
//	server: handshake, retry, transfer, resumption, multiconnect, zerortt, versionnegotiation,
//	        chacha20, http3
//	client: handshake, transfer, retry, keyupdate, chacha20, multiconnect, versionnegotiation,
//	        resumption, zerortt, http3
//
// Everything else exits 127 (unsupported), in particular:
//
//	v2: quic-go 0.59 speaks QUIC v2 (RFC 9369) but has no compatible version negotiation (RFC 9368:
//	    no version_information transport parameter), and its interop programs have no v2 case.
//	ecn: not a case of quic-go's interop programs (quic-go marks ECT(0) by itself on Linux).
//	connectionmigration (server): quic-go 0.59 cannot offer a preferred_address.
//
// Path validation of a rebinding client (rebind-port, rebind-addr: server TESTCASE=transfer) is
// quic-go's server-side path probing (RFC 9000 §9), on by default.
//
// Preferred-address migration (client, every hq-interop connection; the runner's
// connectionmigration client sees TESTCASE=transfer): quic-go 0.59 keeps a server's
// preferred_address only as a spare connection ID ("We don't support connection migration yet",
// connection.go) and exposes the address nowhere but in its qlog event stream
// (qlog.ParametersSet.PreferredAddress). So each connection's qlogwriter.Trace is wrapped
// (migrationTrace, also when QLOGDIR is unset) to capture the server's transport parameters and
// the moment the handshake is confirmed (the client drops its Handshake keys:
// qlog.KeyDiscarded{client_handshake_secret}). Then, if the server offered an address of the
// connection's family, a new UDP socket is opened, wrapped so that it sends what quic-go addresses
// to the original server address to the preferred address and reports datagrams from the
// preferred address as coming from the original one (quic-go's path API keeps the connection's
// remote address: connection.go switchToNewPath), and quic-go's application-driven migration
// moves the connection there: Conn.AddPath(Transport on that socket), Path.Probe (PATH_CHALLENGE
// with a connection ID not used before: connIDManager.GetConnIDForPath), Path.Switch. The
// hq-interop client is therefore a copy of upstream's interop/http09 RoundTripper that dials
// itself (http09's keeps the *quic.Conn private).
// Seen on the wire with quic-go 0.59.0: only the probe carries the new connection ID; after Switch
// quic-go sends with the connection's active connection ID again, the one it used on the
// handshake path (switchToNewPath leaves connIDManager's active ID alone), which RFC 9000 §9.5
// forbids; the runner's check looks only at the first packet on each new path.
//
// Exit codes follow the runner contract: 0 success, 1 error, 127 unsupported test case.
// The wrapper interop/peers/quic-go-endpoint.sh maps the runner's environment onto the flags.
package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"golang.org/x/net/idna"
	"golang.org/x/net/ipv4"
	"golang.org/x/sync/errgroup"

	"github.com/quic-go/quic-go"
	"github.com/quic-go/quic-go/http3"
	"github.com/quic-go/quic-go/internal/handshake"
	"github.com/quic-go/quic-go/internal/protocol"
	"github.com/quic-go/quic-go/internal/qtls"
	"github.com/quic-go/quic-go/interop/http09"
	"github.com/quic-go/quic-go/interop/utils"
	"github.com/quic-go/quic-go/qlog"
	"github.com/quic-go/quic-go/qlogwriter"
)

var errUnsupported = errors.New("unsupported test case")

func main() {
	role := flag.String("role", "", "client|server")
	testcase := flag.String("testcase", "", "runner TESTCASE")
	listen := flag.String("listen", ":443", "server: UDP listen address")
	www := flag.String("www", "/www", "server: directory to serve")
	certs := flag.String("certs", "/certs", "server: directory with cert.pem and priv.key")
	downloads := flag.String("downloads", "/downloads", "client: directory to save files into")
	logfile := flag.String("log", "", "log file (default: stderr)")
	flag.Parse()
	if *logfile != "" {
		f, err := os.Create(*logfile)
		if err != nil {
			fmt.Printf("Could not create log file: %s\n", err)
			os.Exit(1)
		}
		defer f.Close()
		log.SetOutput(f)
	}
	keyLog, err := keyLogWriter()
	if err != nil {
		fmt.Printf("Could not create key log: %s\n", err)
		os.Exit(1)
	}
	// utils.NewQLOGConnectionTracer writes $QLOGDIR/<odcid>.sqlog (nothing without QLOGDIR).
	quicConf := &quic.Config{Tracer: utils.NewQLOGConnectionTracer}
	switch *role {
	case "server":
		err = runServer(*testcase, *listen, *www, *certs, keyLog, quicConf)
	case "client":
		err = runClient(*testcase, flag.Args(), *downloads, keyLog, quicConf)
	default:
		err = fmt.Errorf("unknown role %q", *role)
	}
	if err == errUnsupported {
		fmt.Printf("unsupported test case: %s\n", *testcase)
		os.Exit(127)
	}
	if err != nil {
		fmt.Printf("%s failed: %s\n", *role, err)
		os.Exit(1)
	}
}

// keyLogWriter appends to $SSLKEYLOGFILE (the runner keeps one file across connections; upstream
// truncates it with os.Create, which is the same for one process).
func keyLogWriter() (io.Writer, error) {
	p := os.Getenv("SSLKEYLOGFILE")
	if p == "" {
		return nil, nil
	}
	return os.OpenFile(p, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
}

func runServer(testcase, listen, www, certs string, keyLog io.Writer, quicConf *quic.Config) error {
	switch testcase {
	case "versionnegotiation", "handshake", "retry", "transfer", "resumption", "multiconnect", "zerortt", "chacha20", "http3":
	default:
		return errUnsupported // before touching any file: an unknown TESTCASE exits 127 at once
	}
	cert, err := tls.LoadX509KeyPair(filepath.Join(certs, "cert.pem"), filepath.Join(certs, "priv.key"))
	if err != nil {
		return err
	}
	quicConf.Allow0RTT = testcase == "zerortt"
	tlsConf := &tls.Config{Certificates: []tls.Certificate{cert}, KeyLogWriter: keyLog, NextProtos: []string{http09.NextProto}}
	if testcase == "chacha20" {
		// As upstream: crypto/tls ignores CipherSuites for TLS 1.3, quic-go's qtls overrides the suite list.
		reset := qtls.SetCipherSuite(tls.TLS_CHACHA20_POLY1305_SHA256)
		defer reset()
	}
	http.DefaultServeMux.Handle("/", http.FileServer(http.Dir(www)))
	if testcase == "http3" {
		// upstream runHTTP3Server (ALPN h3).
		tlsConf.NextProtos = []string{http3.NextProtoH3}
		log.Printf("quic-go h3 server on %s serving %s", listen, www)
		server := http3.Server{Addr: listen, TLSConfig: tlsConf, QUICConfig: quicConf}
		return server.ListenAndServe()
	}
	// upstream runHTTP09Server: a quic.Transport, Retry for every connection only in "retry".
	udpAddr, err := net.ResolveUDPAddr("udp", listen)
	if err != nil {
		return err
	}
	conn, err := net.ListenUDP("udp", udpAddr)
	if err != nil {
		return err
	}
	forceRetry := testcase == "retry"
	tr := &quic.Transport{Conn: conn, VerifySourceAddress: func(net.Addr) bool { return forceRetry }}
	ln, err := tr.ListenEarly(tlsConf, quicConf)
	if err != nil {
		return err
	}
	log.Printf("quic-go hq-interop server on %s serving %s (TESTCASE=%s)", listen, www, testcase)
	server := http09.Server{}
	return server.ServeListener(ln)
}

func runClient(testcase string, urls []string, downloads string, keyLog io.Writer, quicConf *quic.Config) error {
	tlsConf := &tls.Config{InsecureSkipVerify: true, KeyLogWriter: keyLog}
	if testcase == "http3" {
		// upstream: http3.Transport (ALPN h3), files fetched in parallel.
		r := &http3.Transport{TLSClientConfig: tlsConf, QUICConfig: quicConf}
		defer r.Close()
		return downloadFiles(r, urls, downloads, false)
	}
	// hq-interop: upstream's http09.RoundTripper, plus preferred-address migration.
	qlogTracer := quicConf.Tracer
	quicConf.Tracer = func(ctx context.Context, isClient bool, connID quic.ConnectionID) qlogwriter.Trace {
		return &migrationTrace{inner: qlogTracer(ctx, isClient, connID), confirmed: make(chan struct{})}
	}
	r := &hqRoundTripper{TLSClientConfig: tlsConf, QuicConfig: quicConf}
	defer r.Close()
	switch testcase {
	case "handshake", "transfer", "retry":
	case "keyupdate":
		handshake.FirstKeyUpdateInterval = 100
	case "chacha20":
		reset := qtls.SetCipherSuite(tls.TLS_CHACHA20_POLY1305_SHA256)
		defer reset()
	case "multiconnect":
		for _, u := range urls {
			if err := downloadFile(r, u, downloads, false); err != nil {
				return err
			}
			if err := r.Close(); err != nil {
				return err
			}
		}
		return nil
	case "versionnegotiation":
		if len(urls) != 1 {
			return errors.New("expected exactly 1 URL")
		}
		protocol.SupportedVersions = []protocol.Version{0x1a2a3a4a}
		err := downloadFile(r, urls[0], downloads, false)
		if err == nil {
			return errors.New("expected version negotiation to fail")
		}
		if !strings.Contains(err.Error(), "No compatible QUIC version found") {
			return fmt.Errorf("expect version negotiation error, got: %s", err.Error())
		}
		return nil
	case "resumption", "zerortt":
		if len(urls) < 2 {
			return errors.New("expected at least 2 URLs")
		}
		var put <-chan struct{}
		tlsConf.ClientSessionCache, put = newSessionCache(tls.NewLRUClientSessionCache(1))
		if err := downloadFiles(r, urls[:1], downloads, false); err != nil {
			return err
		}
		select {
		case <-time.NewTimer(10 * time.Second).C:
			return errors.New("expected to receive a session ticket within 10 seconds")
		case <-put:
		}
		if err := r.Close(); err != nil {
			return err
		}
		return downloadFiles(r, urls[1:], downloads, testcase == "zerortt")
	default:
		return errUnsupported
	}
	return downloadFiles(r, urls, downloads, false)
}

type sessionCache struct {
	tls.ClientSessionCache
	put chan<- struct{}
}

func newSessionCache(c tls.ClientSessionCache) (tls.ClientSessionCache, <-chan struct{}) {
	put := make(chan struct{}, 100)
	return &sessionCache{ClientSessionCache: c, put: put}, put
}

func (c *sessionCache) Put(key string, cs *tls.ClientSessionState) {
	c.ClientSessionCache.Put(key, cs)
	c.put <- struct{}{}
}

func downloadFiles(cl http.RoundTripper, urls []string, downloads string, use0RTT bool) error {
	var g errgroup.Group
	for _, u := range urls {
		url := u
		g.Go(func() error { return downloadFile(cl, url, downloads, use0RTT) })
	}
	return g.Wait()
}

func downloadFile(cl http.RoundTripper, url, downloads string, use0RTT bool) error {
	method := http.MethodGet
	if use0RTT {
		method = http09.MethodGet0RTT
	}
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		return err
	}
	rsp, err := cl.RoundTrip(req)
	if err != nil {
		return err
	}
	defer rsp.Body.Close()
	file, err := os.Create(filepath.Join(downloads, strings.TrimPrefix(req.URL.Path, "/")))
	if err != nil {
		return err
	}
	defer file.Close()
	_, err = io.Copy(file, rsp.Body)
	return err
}

// hqRoundTripper is quic-go 0.59's interop/http09.RoundTripper (one connection per host:port,
// GET and GET_0RTT, the request line "GET /path\r\n" on a new bidirectional stream whose FIN ends
// it, the body read until the server's FIN), except that it dials itself so that it can start
// migrateToPreferredAddress on each connection.
type hqRoundTripper struct {
	mutex           sync.Mutex
	TLSClientConfig *tls.Config
	QuicConfig      *quic.Config
	clients         map[string]*hqClient
}

func (r *hqRoundTripper) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Method != http.MethodGet && req.Method != http09.MethodGet0RTT {
		return nil, errors.New("only GET requests supported")
	}
	log.Printf("Requesting %s.\n", req.URL)
	r.mutex.Lock()
	hostname := authorityAddr(req.URL.Host)
	if r.clients == nil {
		r.clients = make(map[string]*hqClient)
	}
	c, ok := r.clients[hostname]
	if !ok {
		tlsConf := &tls.Config{}
		if r.TLSClientConfig != nil {
			tlsConf = r.TLSClientConfig.Clone()
		}
		tlsConf.NextProtos = []string{http09.NextProto}
		c = &hqClient{hostname: hostname, tlsConf: tlsConf, quicConf: r.QuicConfig}
		r.clients[hostname] = c
	}
	r.mutex.Unlock()
	return c.RoundTrip(req)
}

func (r *hqRoundTripper) Close() error {
	r.mutex.Lock()
	defer r.mutex.Unlock()
	for id, c := range r.clients {
		if err := c.Close(); err != nil {
			return err
		}
		delete(r.clients, id)
	}
	return nil
}

type hqClient struct {
	hostname string
	tlsConf  *tls.Config
	quicConf *quic.Config
	once     sync.Once
	conn     *quic.Conn
	dialErr  error
}

func (c *hqClient) RoundTrip(req *http.Request) (*http.Response, error) {
	c.once.Do(func() {
		c.conn, c.dialErr = quic.DialAddrEarly(context.Background(), c.hostname, c.tlsConf, c.quicConf)
		if c.dialErr == nil {
			go migrateToPreferredAddress(c.conn)
		}
	})
	if c.dialErr != nil {
		return nil, c.dialErr
	}
	if req.Method != http09.MethodGet0RTT {
		<-c.conn.HandshakeComplete()
	}
	str, err := c.conn.OpenStreamSync(context.Background())
	if err != nil {
		return nil, err
	}
	if _, err := str.Write([]byte("GET " + req.URL.Path + "\r\n")); err != nil {
		return nil, err
	}
	if err := str.Close(); err != nil {
		return nil, err
	}
	return &http.Response{Proto: "HTTP/0.9", ProtoMajor: 0, ProtoMinor: 9, Request: req, Body: io.NopCloser(str)}, nil
}

// authorityAddr is upstream http09's authorityAddr("https", authority): host:port, port 443 if none.
func authorityAddr(authority string) string {
	host, port, err := net.SplitHostPort(authority)
	if err != nil { // authority didn't have a port
		port = "443"
		host = authority
	}
	if a, err := idna.ToASCII(host); err == nil {
		host = a
	}
	// IPv6 address literal, without a port:
	if strings.HasPrefix(host, "[") && strings.HasSuffix(host, "]") {
		return host + ":" + port
	}
	return net.JoinHostPort(host, port)
}

func (c *hqClient) Close() error {
	if c.conn == nil {
		return nil
	}
	return c.conn.CloseWithError(0, "")
}

// migrationTrace wraps a connection's qlog trace (inner, nil without QLOGDIR) and keeps what the
// migration needs from the event stream: the server's preferred_address (transport parameters
// set by the remote side) and handshake confirmation.
type migrationTrace struct {
	inner     qlogwriter.Trace
	mu        sync.Mutex
	preferred *qlog.PreferredAddress
	once      sync.Once
	confirmed chan struct{}
}

func (t *migrationTrace) AddProducer() qlogwriter.Recorder {
	var inner qlogwriter.Recorder
	if t.inner != nil {
		if inner = t.inner.AddProducer(); inner == nil {
			return nil // the inner trace is closed
		}
	}
	return &migrationRecorder{t: t, inner: inner}
}

func (t *migrationTrace) SupportsSchemas(schema string) bool {
	return t.inner != nil && t.inner.SupportsSchemas(schema)
}

type migrationRecorder struct {
	t     *migrationTrace
	inner qlogwriter.Recorder
}

func (r *migrationRecorder) RecordEvent(ev qlogwriter.Event) {
	switch e := ev.(type) {
	case qlog.ParametersSet:
		if !e.Restore && e.Initiator == qlog.InitiatorRemote && e.PreferredAddress != nil {
			pa := *e.PreferredAddress
			r.t.mu.Lock()
			r.t.preferred = &pa
			r.t.mu.Unlock()
		}
	case qlog.KeyDiscarded:
		// The client drops its Handshake keys when the handshake is confirmed (HANDSHAKE_DONE).
		if e.KeyType == qlog.KeyTypeClientHandshake {
			r.t.once.Do(func() { close(r.t.confirmed) })
		}
	}
	if r.inner != nil {
		r.inner.RecordEvent(ev)
	}
}

func (r *migrationRecorder) Close() error {
	if r.inner != nil {
		return r.inner.Close()
	}
	return nil
}

// redirectConn is the new path's socket as quic-go sees it: datagrams quic-go writes to the
// connection's (original) server address go to the preferred address, and datagrams from the
// preferred address are reported as coming from the original server address. It is an
// OOBCapablePacketConn with quic-go's batchConn (ReadBatch) like the handshake path's *net.UDPConn,
// so quic-go drives it the same way (recvmmsg, ECN, GSO): quic-go 0.59 keeps the connection's ECN
// marking after Path.Switch, and a plain net.PacketConn (its basicConn) panics on the first
// ECN-marked write ("cannot use ECN with a basicConn", sys_conn.go).
type redirectConn struct {
	*net.UDPConn // SyscallConn, SetReadBuffer, SetWriteBuffer, deadlines, LocalAddr, Close
	batch        *ipv4.PacketConn
	orig         netip.AddrPort
	origAddr     *net.UDPAddr
	preferred    netip.AddrPort
}

func newRedirectConn(c *net.UDPConn, origAddr *net.UDPAddr, preferred netip.AddrPort) *redirectConn {
	return &redirectConn{UDPConn: c, batch: ipv4.NewPacketConn(c), orig: unmapped(origAddr.AddrPort()), origAddr: origAddr, preferred: preferred}
}

// unmapped drops an IPv4-mapped IPv6 prefix (a dual-stack socket reports IPv4 peers that way).
func unmapped(ap netip.AddrPort) netip.AddrPort {
	return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
}

// from maps a sender address: the preferred address reads as the original server address.
func (r *redirectConn) from(a net.Addr) net.Addr {
	if u, ok := a.(*net.UDPAddr); ok && unmapped(u.AddrPort()) == r.preferred {
		return r.origAddr
	}
	return a
}

// to maps a destination address: the original server address is sent to the preferred address.
func (r *redirectConn) to(a net.Addr) net.Addr {
	if u, ok := a.(*net.UDPAddr); ok && unmapped(u.AddrPort()) == r.orig {
		return net.UDPAddrFromAddrPort(r.preferred)
	}
	return a
}

func (r *redirectConn) ReadFrom(b []byte) (int, net.Addr, error) {
	n, a, err := r.UDPConn.ReadFrom(b)
	return n, r.from(a), err
}

func (r *redirectConn) WriteTo(b []byte, a net.Addr) (int, error) {
	return r.UDPConn.WriteTo(b, r.to(a))
}

func (r *redirectConn) ReadMsgUDP(b, oob []byte) (int, int, int, *net.UDPAddr, error) {
	n, oobn, flags, a, err := r.UDPConn.ReadMsgUDP(b, oob)
	if a != nil {
		a = r.from(a).(*net.UDPAddr)
	}
	return n, oobn, flags, a, err
}

func (r *redirectConn) WriteMsgUDP(b, oob []byte, a *net.UDPAddr) (int, int, error) {
	return r.UDPConn.WriteMsgUDP(b, oob, r.to(a).(*net.UDPAddr))
}

func (r *redirectConn) ReadBatch(ms []ipv4.Message, flags int) (int, error) {
	n, err := r.batch.ReadBatch(ms, flags)
	for i := 0; i < n; i++ {
		ms[i].Addr = r.from(ms[i].Addr)
	}
	return n, err
}

// zeroLenConnIDs makes the new path's Transport parse short headers with zero-length destination
// connection IDs, the client's connection IDs of quic.DialAddrEarly's single-use Transport (a
// Transport left at ConnectionIDLength 0 would parse 4 bytes and drop every server packet).
type zeroLenConnIDs struct{}

func (zeroLenConnIDs) GenerateConnectionID() (quic.ConnectionID, error) {
	return quic.ConnectionID{}, nil
}
func (zeroLenConnIDs) ConnectionIDLen() int { return 0 }

// migrateToPreferredAddress moves conn to the server's preferred address of its family, once the
// handshake is confirmed; it returns without doing anything when none was offered.
func migrateToPreferredAddress(conn *quic.Conn) {
	t, ok := conn.QlogTrace().(*migrationTrace)
	if !ok {
		return
	}
	select {
	case <-t.confirmed:
	case <-conn.Context().Done():
		return
	}
	t.mu.Lock()
	pa := t.preferred
	t.mu.Unlock()
	if pa == nil {
		return
	}
	remote, ok := conn.RemoteAddr().(*net.UDPAddr)
	if !ok {
		return
	}
	orig := unmapped(remote.AddrPort())
	target := pa.IPv6
	if orig.Addr().Is4() {
		target = pa.IPv4
	}
	if !target.IsValid() || target.Addr().IsUnspecified() || target.Port() == 0 {
		log.Printf("migration: the server's preferred_address (v4 %s, v6 %s) has no address of the connection's family", pa.IPv4, pa.IPv6)
		return
	}
	target = unmapped(target)
	if target == orig {
		return
	}
	udp, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4zero, Port: 0}) // as quic.DialAddr binds
	if err != nil {
		log.Printf("migration: %v", err)
		return
	}
	tr := &quic.Transport{
		Conn:                  newRedirectConn(udp, remote, target),
		ConnectionIDGenerator: zeroLenConnIDs{},
	}
	go func() {
		<-conn.Context().Done()
		tr.Close()
		udp.Close()
	}()
	path, err := conn.AddPath(tr)
	if err != nil {
		log.Printf("migration to %s: AddPath: %v", target, err)
		return
	}
	log.Printf("migration: probing the server's preferred address %s from %s", target, udp.LocalAddr())
	ctx, cancel := context.WithTimeout(conn.Context(), 10*time.Second)
	defer cancel()
	if err := path.Probe(ctx); err != nil {
		log.Printf("migration to %s: probe failed: %v", target, err)
		path.Close()
		return
	}
	if err := path.Switch(); err != nil {
		log.Printf("migration to %s: switch failed: %v", target, err)
		path.Close()
		return
	}
	log.Printf("migration: switched to the server's preferred address %s (local %s)", target, udp.LocalAddr())
}
