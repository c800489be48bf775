/* cordond_restore.h - cordond --restore FILE --data-dir DIR: a backup
 * made by `cordon backup` put back into the data directory, no cordond
 * running on it (manager/backup.h). */
#ifndef CORDOND_RESTORE_H
#define CORDOND_RESTORE_H

/* Restore file into dir, saying what was done on stdout, or what is
 * wrong on stderr: the exit status, 0, 2 (the file is not a backup this
 * cordond can restore) or 1 (another failure: a cordond running there). */
int cordond_restore(const char *file, const char *dir);

#endif
