/* cordond_stream.h - the console's live updates: GET /api/v1/stream, one
 * server-sent event stream per tab.
 *
 * A stream carries no data of the manager's, only that something moved:
 * `event: change` with {"seq", "pulse"} (the change number and
 * cd_mgr_pulse) when either differs from what the stream last sent, a
 * comment line as a heartbeat every 10 s, and it ends after 5 minutes
 * (the browser reconnects after `retry`, and so authenticates again: a
 * session signed out or a token revoked gets no stream past that).  Its
 * connection is suspended while there is nothing to send and resumed by
 * cordond_streams_tick(), which the main thread calls every 100 ms. */
#ifndef CORDOND_STREAM_H
#define CORDOND_STREAM_H

#include <microhttpd.h>
#include <stdbool.h>
#include <stdint.h>

#define CORDOND_STREAMS_MAX 256       /* open at once; the next one is 503 */
#define CORDOND_STREAMS_PER_WHO 16    /* of one credential (a user's session,
                                       * a token): the next one is 429 */

/* The response of a new stream on conn for credential who (the caller
 * adds its headers and queues it), its first event already in it; NULL
 * when CORDOND_STREAMS_MAX are open, or CORDOND_STREAMS_PER_WHO of who's
 * (*too_many_of_who set). */
struct MHD_Response *cordond_stream_open(struct MHD_Connection *conn, const char *who,
					 int64_t seq, int64_t pulse, bool *too_many_of_who);
/* Every stream: its event when seq or pulse moved, a heartbeat, its end. */
void cordond_streams_tick(int64_t seq, int64_t pulse);
/* End every stream (the manager stops); how many are still open. */
void cordond_streams_end(void);
int cordond_streams_open(void);

#endif
