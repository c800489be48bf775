/* reports_priv.h - what the manager's report files share: a report being
 * made (struct cd_mgr_rjob).
 *
 *   reports.c        definitions (saved, listed, removed), a job's views
 *                    and objects, its rows and charts, its files
 *   reports_facts.c  the security facts a job reads from the store
 *   reports_run.c    delivery, runs recorded, the scheduler */
#ifndef CD_REPORTS_PRIV_H
#define CD_REPORTS_PRIV_H

#include "manager/mgr_priv.h"
#include "report/compose.h"
#include "report/report.h"

struct rjob_sec {
	char *missing;                 /* why it cannot be made, or NULL */
	struct cd_view view;           /* a view section's */
	bool have_view;
	struct cd_mgr_vobjects *objs;  /* its objects, filtered */
	struct cd_vrows *rows;         /* made by cd_mgr_report_make */
	struct cd_rseries *series;     /* a chart's lines */
	struct cd_point **points;
	char **names;
	size_t nseries;
	int64_t step;
};

struct cd_mgr_rjob {
	struct cd_report rep;
	struct cd_tz *tz;
	int64_t begin, end;            /* ms */
	struct cd_mstore *ms;          /* NULL: no metrics kept */
	struct rjob_sec sec[CD_REPORT_SECTIONS_MAX];
	/* the security facts (reports_facts.c), their strings in strs */
	struct cd_rdetection *det;
	size_t ndet;
	struct cd_rquarantine *quar;
	size_t nquar, quarcap;
	struct cd_rrule *rules;
	size_t nrules, rules_total;
	int64_t policy_rev;
	bool det_cut;
	char **strs;
	size_t nstrs, strcap;
	char *facts_missing;           /* the store could not be read: why */
};

/* Read the facts the job's security sections need (under the lock): 0,
 * or the store's code (facts_missing says it). */
int cd_mgr_rjob_facts(struct cd_mgr *m, struct cd_mgr_rjob *j);
/* A copy of s kept by the job (NULL stays NULL). */
const char *cd_mgr_rjob_keep(struct cd_mgr_rjob *j, const char *s);

/* A destination as runs and events say it, with nothing secret: the
 * directory, or a URL's scheme and host ("https://hooks.example.org"). */
void cd_mgr_rdest_said(const struct cd_rdest *d, char *buf, size_t len);

#endif
