/* vsphere.h - workloads from a vCenter or ESXi server (the vSphere API).
 *
 * The connector (source.h) speaks SOAP to URL (https://HOST/sdk) with
 * libcurl and reads the answers with libxml2: Login, a ContainerView of
 * the virtual machines and hosts, and the PropertyCollector, whose
 * WaitForUpdatesEx long-poll brings every change (VMs created and
 * destroyed, power, guest addresses, networks, names).  Tags come from
 * vSphere's tagging service (/rest): tag T of category C is the cordon
 * tag C=T, both ways.  A quarantined VM's vNICs move to the configured
 * quarantine port group (ReconfigVM_Task); their networks before are
 * kept in the VM's extraConfig (cordon.quarantine.from) and restored on
 * release.
 *
 * config: {"url", "user", "password", "insecure": bool, "cacert": PEM,
 * "quarantine_network"}. */
#ifndef CD_VSPHERE_H
#define CD_VSPHERE_H

#include <jansson.h>
#include <stdbool.h>

#include "inventory/source.h"
#include "base/util.h"

#define CD_VSPHERE_BODY_MAX (64u << 20)   /* the largest SOAP answer read */

extern const struct cd_src_ops cd_vsphere_ops;

/* Apply a WaitForUpdatesEx answer (the whole SOAP envelope) to objs
 * ({moref: {"type", properties...}}); *version is the next version to ask
 * for, *truncated whether more is waiting.  Returns 1 when it held
 * updates, 0 when nothing changed, -EPROTO with err when the answer is not
 * one (objs then holds what came before the error). */
int cd_vsphere_apply(json_t *objs, const char *xml, size_t len, char **version,
		     bool *truncated, struct cd_buf *err);
/* The workloads of objs' virtual machines (in id order); vmtags:
 * {moref: ["category=tag", ...]}; server (the URL) keeps the vNIC names
 * of different servers apart. */
json_t *cd_vsphere_workloads(json_t *objs, json_t *vmtags, const char *server);

#endif
