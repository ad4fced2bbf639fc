#include "cli.h"
int cmd_data_stats(int argc, char **argv) { (void)argc; (void)argv; return 0; }
