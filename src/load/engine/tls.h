/*
 * tls.h: TLS for lastroom-load's HTTP client, on OpenSSL.
 *
 * One client context per run (struct tls_client: the CA store, the client
 * certificate, the options), one OpenSSL connection per socket (tls_conn_new). TLS 1.2
 * and 1.3 only. Verification is on by default, against the system's CAs or --tls-ca
 * alone; the server's name (or IP address) is checked against its certificate, and
 * SNI is sent for names. Each connection keeps the last session its server gave it, so
 * that the next handshake of the same VU resumes it (unless resumption is off).
 * Handshake and verification failures are reduced to a short name for the error tag
 * (tls_error_name), never printed from the measuring path.
 */
#ifndef LASTROOM_LOAD_ENGINE_TLS_H
#define LASTROOM_LOAD_ENGINE_TLS_H

#include <stdbool.h>
#include <stddef.h>

#include <openssl/ssl.h>

struct tls_config {
    bool insecure;         /* --insecure-skip-tls-verify: no certificate checks */
    bool no_resume;        /* --no-tls-resume: a full handshake every connection */
    const char *ca_file;   /* --tls-ca: trust only these CAs (PEM); NULL: the system's */
    const char *cert_file; /* --tls-cert: client certificate chain (PEM), or NULL */
    const char *key_file;  /* --tls-key: its private key (PEM); NULL: in cert_file */
};

struct tls_client;

/* tls_client_new: a context for cfg. Returns NULL with a message naming the file or
 * option at fault in err (an unreadable CA file, a key that does not match). */
struct tls_client *tls_client_new(const struct tls_config *cfg, char *err, size_t errlen);
void tls_client_free(struct tls_client *t);

/* The session store of one connection (one VU): the last resumable session. */
struct tls_session {
    SSL_SESSION *s;
};

/* tls_conn_new: an OpenSSL connection on fd to host (SNI and name check; an IP literal
 * is checked as an address and gets no SNI), resuming *sess when it holds a session
 * and resumption is on, and storing there the sessions the server sends. *sess must
 * outlive the connection. Returns NULL when memory is short. */
SSL *tls_conn_new(struct tls_client *t, int fd, const char *host, bool host_is_ip,
                  struct tls_session *sess);

/* tls_session_clear: free the session held. */
void tls_session_clear(struct tls_session *sess);

/* tls_error_name: a short name for the failure of ssl's handshake, for the error tag:
 * "tls_hostname_mismatch", "tls_unknown_ca", "tls_cert_expired", "tls_verify" (another
 * certificate check), "tls_handshake" (protocol, alert, version). Clears the thread's
 * OpenSSL error queue. */
const char *tls_error_name(SSL *ssl);

#endif
