/* vsxml.h - the XML side of the vSphere connector (vsxml.c): walking
 * libxml2 trees of vim25 answers, escaping text into envelopes.  Private
 * to inventory/: the update-set parser (vsupdate.c) and the session
 * (vsphere.c) share it. */
#ifndef CD_VSXML_H
#define CD_VSXML_H

#include <jansson.h>
#include <libxml/tree.h>
#include <stdbool.h>

#define CD_VSX_QFROM "cordon.quarantine.from"   /* a VM's pre-quarantine networks */
#define CD_VSX_XSI "http://www.w3.org/2001/XMLSchema-instance"

bool cd_vsx_is(const xmlNode *n, const char *name);
xmlNode *cd_vsx_child(const xmlNode *n, const char *name);
xmlNode *cd_vsx_next_el(xmlNode *c, const char *name);
xmlNode *cd_vsx_first_el(const xmlNode *n);
char *cd_vsx_text(const xmlNode *n);
json_t *cd_vsx_jtext(const xmlNode *n);
char *cd_vsx_xsi_type(const xmlNode *n);
char *cd_vsx_esc(const char *s);
char *cd_vsx_inner_xml(xmlDoc *doc, xmlNode *n);
xmlDoc *cd_vsx_parse(const char *xml, size_t len);

/* Shared by the session with the update-set parser (vsupdate.c): a
 * string property of object ref in the map, and setting one from XML. */
const char *cd_vsx_prop(json_t *objs, const char *ref, const char *name);
void cd_vsx_set_prop(json_t *obj, xmlDoc *doc, const char *name, xmlNode *val);

#endif
