#include "cli.h"
int cmd_generate_data(int argc, char **argv) { (void)argc; (void)argv; return 0; }
