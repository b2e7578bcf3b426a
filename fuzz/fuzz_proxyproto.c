/*
 * fuzz_proxyproto.c: libFuzzer harness for the PROXY protocol parser (proxyproto_parse),
 * which reads the first bytes of every connection from a --trusted-proxy address.
 *
 * Properties checked besides memory safety: the answer is NONE, INVALID, MORE or a
 * length within the input and PROXYPROTO_MAX; a header's length does not depend on the
 * bytes after it (the parser never reads past the header, so the HTTP bytes stay for
 * libmicrohttpd); a named address is IPv4 or IPv6 with the matching length; every
 * proper prefix of a header asks for more.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>

#include "server/proxyproto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    unsigned char *b = malloc(size ? size : 1); /* exact size: ASan sees any overread */
    struct sockaddr_storage a, a2;
    socklen_t len = 99, len2 = 99;
    if (b == NULL)
        return 0;
    memcpy(b, data, size);
    int rc = proxyproto_parse(b, size, &a, &len);
    if (rc < PROXYPROTO_NONE || rc == 0 || (rc > 0 && ((size_t)rc > size || rc > PROXYPROTO_MAX)))
        abort();
    if (rc > 0) {
        if (len != 0 && !(a.ss_family == AF_INET && len == sizeof(struct sockaddr_in))
            && !(a.ss_family == AF_INET6 && len == sizeof(struct sockaddr_in6)))
            abort();
        if (proxyproto_parse(b, (size_t)rc, &a2, &len2) != rc || len2 != len)
            abort();
        for (size_t i = 1; i < (size_t)rc; i += 7)
            if (proxyproto_parse(b, i, &a2, &len2) != PROXYPROTO_MORE)
                abort();
    }
    free(b);
    return 0;
}
