/* agent_enroll.h - `cordon-agent enroll` (agent_enroll.c). */
#ifndef CD_AGENT_ENROLL_H
#define CD_AGENT_ENROLL_H

#define AGENT_CONF "/etc/cordon/agent.conf"
#define AGENT_DIR "/var/lib/cordon-agent"     /* the package's --state-dir */

/* argv[0] is "enroll": 0, 1 (could not), 2 (refused: said why). */
int agent_enroll_main(int argc, char **argv);

#endif
