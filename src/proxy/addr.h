/* addr.h: IPv4 "HOST:PORT" addresses and the non-blocking sockets lastroom-faultproxy opens. */
#ifndef LASTROOM_PROXY_ADDR_H
#define LASTROOM_PROXY_ADDR_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>

/* addr_parse: parse "A.B.C.D:PORT" (numeric, port 1..65535) into *sa. Returns 0, or -1
 * with a reason in err. */
int addr_parse(const char *s, struct sockaddr_in *sa, char *err, size_t errlen);

/* addr_is_loopback: true for 127.0.0.0/8. */
bool addr_is_loopback(const struct sockaddr_in *sa);

/* addr_listen: a non-blocking, close-on-exec listening socket bound to *sa with
 * SO_REUSEADDR. Returns the fd, or -1 with errno set (nothing left open). */
int addr_listen(const struct sockaddr_in *sa);

/* addr_connect: start a non-blocking connect to *sa. Returns the fd and sets
 * *in_progress when the connect is still under way (wait for EPOLLOUT, then check
 * SO_ERROR), or -1 with errno set (nothing left open). */
int addr_connect(const struct sockaddr_in *sa, bool *in_progress);

/* addr_close_rst: close fd so that the peer gets a TCP RST (SO_LINGER 0). */
void addr_close_rst(int fd);

#endif
