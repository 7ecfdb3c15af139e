/*
 * test/tools/compile_rules.c - compiles a YARA rules source file into a file
 * of compiled rules, as yarac does (Debian's yara package is not needed for
 * the test): compile_rules SOURCE OUT.
 */
#include <stdio.h>
#include <yara.h>

int main(int argc, char **argv)
{
    YR_COMPILER *compiler;
    YR_RULES *rules;
    FILE *f;
    if (argc != 3 || !(f = fopen(argv[1], "r")))
        return 2;
    if (yr_initialize() != ERROR_SUCCESS || yr_compiler_create(&compiler) != ERROR_SUCCESS)
        return 1;
    if (yr_compiler_add_file(compiler, f, NULL, argv[1]) != 0 ||
        yr_compiler_get_rules(compiler, &rules) != ERROR_SUCCESS ||
        yr_rules_save(rules, argv[2]) != ERROR_SUCCESS)
        return 1;
    yr_rules_destroy(rules);
    yr_compiler_destroy(compiler);
    fclose(f);
    yr_finalize();
    return 0;
}
