# flags.mk: the compiler flags every build of lastroom shares (the Makefile and
# fuzz/Makefile include it), so that a warning is an error everywhere alike.
WARN := -Wall -Wextra -Werror -Wshadow -Wpointer-arith -Wstrict-prototypes \
        -Wmissing-prototypes -Wformat=2 -Wno-format-nonliteral
BASE_CFLAGS := -std=c11 -D_GNU_SOURCE -pthread $(WARN) -Isrc

# pkgs_cflags/pkgs_libs: pkg-config's answer for a list of packages, quiet when one is
# missing (the Makefile says so once, in one line, before it builds anything).
pkgs_cflags = $(shell pkg-config --cflags $(1) 2>/dev/null)
pkgs_libs   = $(shell pkg-config --libs $(1) 2>/dev/null)
