/* cordond_sources.h - cordond's connected sources: a connector thread
 * each (inventory/source.h), reporting to the manager under cordond's
 * lock: its hooks for the manager, started once the manager is open,
 * stopped (joined) at exit. */
#ifndef CORDOND_SOURCES_H
#define CORDOND_SOURCES_H

#include <jansson.h>
#include <pthread.h>
#include <stdbool.h>

#include "manager/mgr.h"

/* mgr: where cordond keeps its manager (set once it is open). */
void cordond_sources_init(struct cd_mgr **mgr, pthread_mutex_t *lock, void (*log)(const char *line));
/* The manager's hooks (struct cd_mgr_hooks). */
void cordond_hook_source(void *ctx, const char *name, const char *kind, const json_t *config);
void cordond_hook_tags(void *ctx, const char *source, const char *id, const char *tag, bool add,
		       bool quarantined);
/* A connector for every connected source; all of them stopped. */
void cordond_sources_start(void);
/* Every second: the connectors this manager runs follow the leases it
 * holds (several managers on one database). */
void cordond_sources_tick(void);
void cordond_sources_stop(void);

#endif
