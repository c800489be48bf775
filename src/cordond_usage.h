/* cordond_usage.h - what cordond --help prints: its options. */
#ifndef CORDOND_USAGE_H
#define CORDOND_USAGE_H

extern const char cordond_usage[];

#endif
