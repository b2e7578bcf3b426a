/* addr.c: IPv4 addresses and socket set-up for lastroom-faultproxy.
 *
 * Only numeric IPv4 addresses are taken: the proxy sits between local processes and
 * never resolves names. Every socket is non-blocking and close-on-exec.
 */
#include "proxy/addr.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int addr_parse(const char *s, struct sockaddr_in *sa, char *err, size_t errlen)
{
    char host[INET_ADDRSTRLEN];
    const char *colon = strrchr(s, ':');
    if (colon == NULL || (size_t)(colon - s) >= sizeof host) {
        snprintf(err, errlen, "'%s' is not HOST:PORT", s);
        return -1;
    }
    memcpy(host, s, (size_t)(colon - s));
    host[colon - s] = '\0';
    char *end;
    errno = 0;
    long port = strtol(colon + 1, &end, 10);
    memset(sa, 0, sizeof *sa);
    sa->sin_family = AF_INET;
    if (errno != 0 || end == colon + 1 || *end != '\0' || port < 1 || port > 65535
        || inet_pton(AF_INET, host, &sa->sin_addr) != 1) {
        snprintf(err, errlen, "'%s' is not a numeric IPv4 HOST:PORT", s);
        return -1;
    }
    sa->sin_port = htons((uint16_t)port);
    return 0;
}

bool addr_is_loopback(const struct sockaddr_in *sa)
{
    return (ntohl(sa->sin_addr.s_addr) >> 24) == 127;
}

int addr_listen(const struct sockaddr_in *sa)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    int one = 1;
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0
        || bind(fd, (const struct sockaddr *)sa, sizeof *sa) != 0 || listen(fd, 128) != 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    return fd;
}

int addr_connect(const struct sockaddr_in *sa, bool *in_progress)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    *in_progress = false;
    if (connect(fd, (const struct sockaddr *)sa, sizeof *sa) == 0)
        return fd;
    if (errno == EINPROGRESS) {
        *in_progress = true;
        return fd;
    }
    int e = errno;
    close(fd);
    errno = e;
    return -1;
}

void addr_close_rst(int fd)
{
    struct linger lg = { .l_onoff = 1, .l_linger = 0 };
    (void)setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    close(fd);
}
