// qgo-interop: a quic-go 0.59 interop-runner endpoint (client and server, HTTP/0.9 "hq-interop",
// and HTTP/3 "h3" for the http3 test case), ported from quic-go 0.59.0's own interop/client,
// interop/server and interop/utils programs (the ones the real quic-interop-runner uses for
// quic-go; Debian ships them in the -dev package), with every path and the listen address taken
// from flags instead of /www, /downloads, /certs, /logs and :443 so it runs on one machine
// without Docker.
//
// It is built by interop/peers/setup.sh inside a copy of Debian's quic-go source tree
// (github.com/quic-go/quic-go/interop/qgo-interop), because, like upstream, the keyupdate client sets
// internal/handshake.FirstKeyUpdateInterval and the chacha20 endpoints call
// internal/qtls.SetCipherSuite, which Go only lets code under the quic-go tree import.
//
// Test cases, exactly as quic-go 0.59.0's interop programs support them (the same lists as 0.50.1's):
//   server: handshake, retry, transfer, resumption, multiconnect, zerortt, versionnegotiation,
//           chacha20, http3
//   client: handshake, transfer, retry, keyupdate, chacha20, multiconnect, versionnegotiation,
//           resumption, zerortt, http3
// Everything else exits 127 (unsupported), in particular:
//   v2: quic-go 0.59 speaks QUIC v2 (RFC 9369) but has no compatible version negotiation (RFC 9368:
//       no version_information transport parameter), and its interop programs have no v2 case.
//   ecn: not a case of quic-go's interop programs (quic-go marks ECT(0) by itself on Linux).
//   connectionmigration (server): quic-go 0.59 cannot offer a preferred_address. The client of
//       that test sees TESTCASE=transfer; quic-go's client ignores a server's preferred_address
//       ("We don't support connection migration yet", connection.go), so that pairing fails
//       rather than being unsupported, as with the real runner.
// Path validation of a rebinding client (rebind-port, rebind-addr: server TESTCASE=transfer) is
// quic-go's server-side path probing (RFC 9000 §9), on by default.
//
// Exit codes follow the runner contract: 0 success, 1 error, 127 unsupported test case.
// The wrapper interop/peers/quic-go-endpoint.sh maps the runner's environment onto the flags.
package main

import (
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/quic-go/quic-go"
	"github.com/quic-go/quic-go/http3"
	"github.com/quic-go/quic-go/internal/handshake"
	"github.com/quic-go/quic-go/internal/protocol"
	"github.com/quic-go/quic-go/internal/qtls"
	"github.com/quic-go/quic-go/interop/http09"
	"github.com/quic-go/quic-go/interop/utils"
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
	r := &http09.RoundTripper{TLSClientConfig: tlsConf, QuicConfig: quicConf}
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
