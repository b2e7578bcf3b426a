/*
 * proxyproto.h: the PROXY protocol header (v1 text, v2 binary) that a load balancer
 * puts before the first byte of a connection to tell the server the client's address.
 *
 * Only the parser lives here; http.c decides whom to believe (--trusted-proxy) and
 * reads the bytes. The parser never reads past the header, so the HTTP bytes that
 * follow stay in the socket for libmicrohttpd.
 */
#ifndef LASTROOM_SERVER_PROXYPROTO_H
#define LASTROOM_SERVER_PROXYPROTO_H

#include <stddef.h>
#include <sys/socket.h>

/* The most bytes a header this parser accepts can take (v1: 107; v2 with IPv6: 52,
 * TLVs up to this bound). */
#define PROXYPROTO_MAX 256

enum proxyproto_rc {
    PROXYPROTO_NONE = -3,    /* the bytes do not start a PROXY header */
    PROXYPROTO_INVALID = -2, /* a PROXY header, malformed or over PROXYPROTO_MAX */
    PROXYPROTO_MORE = -1,    /* a PROXY header's start; more bytes are needed */
};

/* proxyproto_parse: read the header at the start of buf (len bytes). Returns its length
 * in bytes (> 0), with the client's address in *addr and *addrlen; for a header that
 * names no address (v1 UNKNOWN, v2 LOCAL or another family) *addrlen is 0. Otherwise
 * one of enum proxyproto_rc, *addr untouched. */
int proxyproto_parse(const unsigned char *buf, size_t len, struct sockaddr_storage *addr,
                     socklen_t *addrlen);

#endif
