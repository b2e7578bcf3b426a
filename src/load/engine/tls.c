/*
 * tls.c: the OpenSSL context and connections of the HTTP client (see tls.h).
 *
 * Sessions are caught with the new-session callback (client cache, no internal store):
 * with TLS 1.3 the server sends its tickets after the handshake, so the session is
 * taken when it arrives rather than when the handshake ends. The connection finds its
 * store through the SSL object's application data. SSL_OP_IGNORE_UNEXPECTED_EOF lets
 * a server end a close-delimited body without close_notify, as HTTP servers do.
 */
#include "load/engine/tls.h"

#include <openssl/err.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>

struct tls_client {
    SSL_CTX *ctx;
    bool resume;
};

static int remember_session(SSL *ssl, SSL_SESSION *s)
{
    struct tls_session *store = SSL_get_app_data(ssl);
    if (!store || !SSL_SESSION_is_resumable(s))
        return 0; /* OpenSSL keeps (and frees) it */
    if (store->s)
        SSL_SESSION_free(store->s);
    store->s = s;
    return 1; /* the reference is ours */
}

/* The first OpenSSL error as text, for set-up messages. */
static void ssl_reason(char *buf, size_t len)
{
    unsigned long e = ERR_get_error();
    if (e)
        ERR_error_string_n(e, buf, len);
    else
        snprintf(buf, len, "unknown error");
    ERR_clear_error();
}

static int load_files(SSL_CTX *ctx, const struct tls_config *cfg, char *err, size_t errlen)
{
    char why[256];
    if (cfg->ca_file && SSL_CTX_load_verify_locations(ctx, cfg->ca_file, NULL) != 1) {
        ssl_reason(why, sizeof why);
        return snprintf(err, errlen, "--tls-ca %s: %s", cfg->ca_file, why), -1;
    }
    if (!cfg->ca_file && SSL_CTX_set_default_verify_paths(ctx) != 1) {
        ssl_reason(why, sizeof why);
        return snprintf(err, errlen, "the system's CA certificates: %s", why), -1;
    }
    if (cfg->key_file && !cfg->cert_file)
        return snprintf(err, errlen, "--tls-key needs --tls-cert"), -1;
    if (!cfg->cert_file)
        return 0;
    const char *key = cfg->key_file ? cfg->key_file : cfg->cert_file;
    if (SSL_CTX_use_certificate_chain_file(ctx, cfg->cert_file) != 1
        || SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1
        || SSL_CTX_check_private_key(ctx) != 1) {
        ssl_reason(why, sizeof why);
        return snprintf(err, errlen, "--tls-cert %s / --tls-key %s: %s", cfg->cert_file, key, why),
               -1;
    }
    return 0;
}

struct tls_client *tls_client_new(const struct tls_config *cfg, char *err, size_t errlen)
{
    struct tls_client *t = calloc(1, sizeof *t);
    if (!t || !(t->ctx = SSL_CTX_new(TLS_client_method()))) {
        free(t);
        snprintf(err, errlen, "cannot make a TLS context (out of memory)");
        return NULL;
    }
    SSL_CTX_set_min_proto_version(t->ctx, TLS1_2_VERSION);
    SSL_CTX_set_options(t->ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
    SSL_CTX_set_read_ahead(t->ctx, 1); /* one read(2) per record, not two */
    SSL_CTX_set_mode(t->ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    SSL_CTX_set_verify(t->ctx, cfg->insecure ? SSL_VERIFY_NONE : SSL_VERIFY_PEER, NULL);
    t->resume = !cfg->no_resume;
    SSL_CTX_set_session_cache_mode(t->ctx, t->resume ? SSL_SESS_CACHE_CLIENT
                                                           | SSL_SESS_CACHE_NO_INTERNAL_STORE
                                                     : SSL_SESS_CACHE_OFF);
    if (t->resume)
        SSL_CTX_sess_set_new_cb(t->ctx, remember_session);
    else
        SSL_CTX_set_options(t->ctx, SSL_OP_NO_TICKET);
    if (load_files(t->ctx, cfg, err, errlen) != 0) {
        tls_client_free(t);
        return NULL;
    }
    return t;
}

void tls_client_free(struct tls_client *t)
{
    if (!t)
        return;
    SSL_CTX_free(t->ctx);
    free(t);
}

SSL *tls_conn_new(struct tls_client *t, int fd, const char *host, bool host_is_ip,
                  struct tls_session *sess)
{
    SSL *ssl = SSL_new(t->ctx);
    if (!ssl)
        return NULL;
    SSL_set_app_data(ssl, sess);
    bool named = host_is_ip
                     ? X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host) == 1
                     : SSL_set_tlsext_host_name(ssl, host) == 1 && SSL_set1_host(ssl, host) == 1;
    if (!named || SSL_set_fd(ssl, fd) != 1) {
        SSL_free(ssl);
        ERR_clear_error();
        return NULL;
    }
    if (t->resume && sess->s)
        SSL_set_session(ssl, sess->s);
    SSL_set_connect_state(ssl);
    return ssl;
}

void tls_session_clear(struct tls_session *sess)
{
    if (sess->s)
        SSL_SESSION_free(sess->s);
    sess->s = NULL;
}

const char *tls_error_name(SSL *ssl)
{
    long v = SSL_get_verify_mode(ssl) == SSL_VERIFY_NONE ? X509_V_OK : SSL_get_verify_result(ssl);
    ERR_clear_error();
    switch (v) {
    case X509_V_OK: return "tls_handshake";
    case X509_V_ERR_HOSTNAME_MISMATCH:
    case X509_V_ERR_IP_ADDRESS_MISMATCH: return "tls_hostname_mismatch";
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE: return "tls_unknown_ca";
    case X509_V_ERR_CERT_HAS_EXPIRED:
    case X509_V_ERR_CERT_NOT_YET_VALID: return "tls_cert_expired";
    default: return "tls_verify";
    }
}
