// qgo-interop: a quic-go 0.29 interop-runner endpoint (client and server, HTTP/0.9 "hq-interop",
// and HTTP/3 "h3" for the http3 test case),
// adapted from quic-go's own interop/client and interop/server programs (the ones the real
// quic-interop-runner uses for quic-go), with every path and the listen address taken from flags
// instead of /www, /downloads, /certs, /logs and :443 so it runs on one machine without Docker.
//
// It is built by interop/peers/setup.sh inside a copy of Debian's quic-go source tree
// (github.com/lucas-clemente/quic-go/interop/qgo-interop), because the keyupdate client needs
// internal/handshake.KeyUpdateInterval, which Go only lets code under the quic-go tree import.
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

	"github.com/lucas-clemente/quic-go"
	"github.com/lucas-clemente/quic-go/http3"
	"github.com/lucas-clemente/quic-go/internal/handshake"
	"github.com/lucas-clemente/quic-go/interop/http09"
	"github.com/lucas-clemente/quic-go/interop/utils"
	"github.com/lucas-clemente/quic-go/qlog"
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
	getLogWriter, err := utils.GetQLOGWriter()
	if err != nil {
		fmt.Println(err)
		os.Exit(1)
	}
	quicConf := &quic.Config{}
	if getLogWriter != nil {
		quicConf.Tracer = qlog.NewTracer(getLogWriter)
	}
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

// keyLogWriter appends to $SSLKEYLOGFILE (the runner keeps one file across connections).
func keyLogWriter() (io.Writer, error) {
	p := os.Getenv("SSLKEYLOGFILE")
	if p == "" {
		return nil, nil
	}
	return os.OpenFile(p, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
}

func runServer(testcase, listen, www, certs string, keyLog io.Writer, quicConf *quic.Config) error {
	switch testcase {
	case "handshake", "retry", "transfer", "resumption", "zerortt", "multiconnect", "chacha20", "http3":
	default:
		return errUnsupported // before touching any file: an unknown TESTCASE exits 127 at once
	}
	cert, err := tls.LoadX509KeyPair(filepath.Join(certs, "cert.pem"), filepath.Join(certs, "priv.key"))
	if err != nil {
		return err
	}
	tlsConf := &tls.Config{Certificates: []tls.Certificate{cert}, KeyLogWriter: keyLog}
	quicConf.RequireAddressValidation = func(net.Addr) bool { return testcase == "retry" }
	if testcase == "chacha20" {
		// quic-go's own interop server does this too (qtls restricts the TLS 1.3 suites with it).
		tlsConf.CipherSuites = []uint16{tls.TLS_CHACHA20_POLY1305_SHA256}
	}
	http.DefaultServeMux.Handle("/", http.FileServer(http.Dir(www)))
	if testcase == "http3" {
		// quic-go's interop server: runHTTP3Server (ALPN h3).
		log.Printf("quic-go h3 server on %s serving %s", listen, www)
		h3 := http3.Server{Addr: listen, TLSConfig: tlsConf, QuicConfig: quicConf}
		return h3.ListenAndServe()
	}
	server := http09.Server{Server: &http.Server{Addr: listen, TLSConfig: tlsConf}, QuicConfig: quicConf}
	log.Printf("quic-go hq-interop server on %s serving %s (TESTCASE=%s)", listen, www, testcase)
	return server.ListenAndServe()
}

func runClient(testcase string, urls []string, downloads string, keyLog io.Writer, quicConf *quic.Config) error {
	tlsConf := &tls.Config{InsecureSkipVerify: true, KeyLogWriter: keyLog}
	if testcase == "http3" {
		// quic-go's interop client: http3.RoundTripper (ALPN h3), files fetched in parallel.
		r := &http3.RoundTripper{TLSClientConfig: tlsConf, QuicConfig: quicConf}
		defer r.Close()
		return downloadFiles(r, urls, downloads, false)
	}
	switch testcase {
	case "handshake", "transfer", "retry", "multiconnect", "resumption", "zerortt":
	case "keyupdate":
		handshake.KeyUpdateInterval = 100
	case "chacha20":
		tlsConf.CipherSuites = []uint16{tls.TLS_CHACHA20_POLY1305_SHA256}
	default:
		return errUnsupported
	}
	r := &http09.RoundTripper{TLSClientConfig: tlsConf, QuicConfig: quicConf}
	defer r.Close()
	switch testcase {
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
