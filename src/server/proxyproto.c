/*
 * proxyproto.c: the PROXY protocol v1 and v2 header parser (proxyproto.h). v1 is one
 * line "PROXY TCP4|TCP6|UNKNOWN src dst sport dport\r\n" of at most 107 bytes; v2 is a
 * 12-byte signature, a version/command byte, a family byte, a 16-bit length and the
 * addresses (TLVs after them are skipped).
 */
#include "server/proxyproto.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define V1_MAX 107

static const unsigned char v2_sig[12] = {
    '\r', '\n', '\r', '\n', 0, '\r', '\n', 'Q', 'U', 'I', 'T', '\n',
};

/* prefix: PROXYPROTO_MORE when buf is a proper prefix of sig, NONE when it differs,
 * 0 when buf starts with all of sig. */
static int prefix(const unsigned char *buf, size_t len, const void *sig, size_t n)
{
    if (memcmp(buf, sig, len < n ? len : n) != 0)
        return PROXYPROTO_NONE;
    return len < n ? PROXYPROTO_MORE : 0;
}

static int set_addr(int family, const void *ip, unsigned port, struct sockaddr_storage *addr,
                    socklen_t *addrlen)
{
    memset(addr, 0, sizeof *addr);
    if (family == AF_INET) {
        struct sockaddr_in *a = (struct sockaddr_in *)(void *)addr;
        a->sin_family = AF_INET;
        a->sin_port = htons((uint16_t)port);
        memcpy(&a->sin_addr, ip, 4);
        *addrlen = sizeof *a;
    } else {
        struct sockaddr_in6 *a = (struct sockaddr_in6 *)(void *)addr;
        a->sin6_family = AF_INET6;
        a->sin6_port = htons((uint16_t)port);
        memcpy(&a->sin6_addr, ip, 16);
        *addrlen = sizeof *a;
    }
    return 0;
}

/* port: a decimal port 0..65535 without sign or leading zeros. */
static int port(const char *s, unsigned *out)
{
    char *end;
    if (s[0] < '0' || s[0] > '9' || (s[0] == '0' && s[1] != '\0'))
        return -1;
    unsigned long n = strtoul(s, &end, 10);
    *out = (unsigned)n;
    return *end == '\0' && n <= 65535 ? 0 : -1;
}

static int parse_v1(const unsigned char *buf, size_t len, struct sockaddr_storage *addr,
                    socklen_t *addrlen)
{
    const unsigned char *nl = memchr(buf, '\n', len < V1_MAX ? len : V1_MAX);
    if (nl == NULL)
        return len < V1_MAX ? PROXYPROTO_MORE : PROXYPROTO_INVALID;
    size_t n = (size_t)(nl - buf) + 1;
    char line[V1_MAX + 1], proto[8], src[48], dst[48], sp[8], dp[8], extra[2];
    if (n < 2 || buf[n - 2] != '\r')
        return PROXYPROTO_INVALID;
    memcpy(line, buf, n - 2);
    line[n - 2] = '\0';
    if (strcmp(line, "PROXY UNKNOWN") == 0 || strncmp(line, "PROXY UNKNOWN ", 14) == 0) {
        *addrlen = 0;
        return (int)n;
    }
    unsigned char ip[16], ip2[16];
    unsigned sport, dport;
    if (sscanf(line, "PROXY %7s %47s %47s %7s %7s %1s", proto, src, dst, sp, dp, extra) != 5)
        return PROXYPROTO_INVALID;
    int family = strcmp(proto, "TCP4") == 0 ? AF_INET : strcmp(proto, "TCP6") == 0 ? AF_INET6 : -1;
    if (family < 0 || inet_pton(family, src, ip) != 1 || inet_pton(family, dst, ip2) != 1
        || port(sp, &sport) != 0 || port(dp, &dport) != 0)
        return PROXYPROTO_INVALID;
    set_addr(family, ip, sport, addr, addrlen);
    return (int)n;
}

static int parse_v2(const unsigned char *buf, size_t len, struct sockaddr_storage *addr,
                    socklen_t *addrlen)
{
    if (len < 16)
        return PROXYPROTO_MORE;
    size_t n = 16 + ((size_t)buf[14] << 8 | buf[15]);
    int cmd = buf[12] & 0x0f, fam = buf[13];
    if ((buf[12] >> 4) != 2 || cmd > 1 || n > PROXYPROTO_MAX)
        return PROXYPROTO_INVALID;
    if (len < n)
        return PROXYPROTO_MORE;
    *addrlen = 0;
    if (cmd == 1 && fam == 0x11 && n >= 16 + 12) /* PROXY, TCP over IPv4 */
        set_addr(AF_INET, buf + 16, (unsigned)(buf[24] << 8 | buf[25]), addr, addrlen);
    else if (cmd == 1 && fam == 0x21 && n >= 16 + 36) /* PROXY, TCP over IPv6 */
        set_addr(AF_INET6, buf + 16, (unsigned)(buf[48] << 8 | buf[49]), addr, addrlen);
    else if (cmd == 1 && (fam == 0x11 || fam == 0x21))
        return PROXYPROTO_INVALID; /* too short for its addresses */
    return (int)n;
}

int proxyproto_parse(const unsigned char *buf, size_t len, struct sockaddr_storage *addr,
                     socklen_t *addrlen)
{
    int rc;
    if (len == 0)
        return PROXYPROTO_MORE;
    if ((rc = prefix(buf, len, "PROXY ", 6)) != PROXYPROTO_NONE)
        return rc == 0 ? parse_v1(buf, len, addr, addrlen) : rc;
    if ((rc = prefix(buf, len, v2_sig, sizeof v2_sig)) != PROXYPROTO_NONE)
        return rc == 0 ? parse_v2(buf, len, addr, addrlen) : rc;
    return PROXYPROTO_NONE;
}
