#include <libpq-fe.h>

// The PG_DIAG_* field codes are character-literal macros ('C', 'M'), which Swift does not import.
static inline int cpostgresql_diag_sqlstate(void) { return PG_DIAG_SQLSTATE; }
static inline int cpostgresql_diag_message_primary(void) { return PG_DIAG_MESSAGE_PRIMARY; }
