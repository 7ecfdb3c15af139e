/* check_code DIR: for every capture in DIR/captures.jsonl, decodes forward
 * from fault_addr (the instruction that was about to run) up to 64
 * instructions or the first unconditional jump/ret, and counts how many
 * decode.  Prints "captures N instructions M invalid K"; exits 1 when a
 * capture's bytes are missing: its file, or len bytes at "offset" of it
 * when the line has one (the pack). */
#include <Zydis/Zydis.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned long long field_hex(const char *line, const char *key)
{
    const char *p = strstr(line, key);
    return p ? strtoull(p + strlen(key), NULL, 16) : 0;
}

static unsigned long long field_num(const char *line, const char *key)
{
    const char *p = strstr(line, key);
    return p ? strtoull(p + strlen(key), NULL, 10) : 0;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return 2;
    char path[4096];
    snprintf(path, sizeof path, "%s/captures.jsonl", argv[1]);
    FILE *f = fopen(path, "r");
    if (!f) {
        printf("captures 0 instructions 0 invalid 0\n");
        return 0;
    }
    ZydisDecoder d;
    ZydisDecoderInit(&d, ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64);
    char line[8192];
    long captures = 0, insns = 0, invalid = 0;
    while (fgets(line, sizeof line, f)) {
        unsigned long long addr = field_hex(line, "\"addr\":\"");
        unsigned long long fault = field_hex(line, "\"fault_addr\":\"");
        unsigned long long len = field_num(line, "\"len\":");
        int packed = strstr(line, "\"offset\":") != NULL;
        unsigned long long at = field_num(line, "\"offset\":");
        char *file = strstr(line, "\"file\":\"");
        if (!file)
            return 1;
        file += 8;
        *strchr(file, '"') = 0;
        snprintf(path, sizeof path, "%s/%s", argv[1], file);
        FILE *raw = fopen(path, "rb");
        unsigned char *buf = malloc(len ? len : 1);
        if (!raw || (packed && fseek(raw, (long)at, SEEK_SET) != 0) || fread(buf, 1, len, raw) != len ||
            (!packed && fgetc(raw) != EOF)) {
            printf("capture file %s missing or not %llu bytes\n", path, len);
            return 1;
        }
        fclose(raw);
        captures++;
        unsigned long long off = fault >= addr && fault < addr + len ? fault - addr : 0;
        for (int i = 0; i < 64 && off < len; i++) {
            ZydisDecodedInstruction in;
            if (!ZYAN_SUCCESS(ZydisDecoderDecodeInstruction(&d, NULL, buf + off, len - off, &in))) {
                invalid++;
                off++;
                continue;
            }
            insns++;
            off += in.length;
            if (in.meta.category == ZYDIS_CATEGORY_RET || in.meta.category == ZYDIS_CATEGORY_UNCOND_BR)
                break;
        }
        free(buf);
    }
    printf("captures %ld instructions %ld invalid %ld\n", captures, insns, invalid);
    return 0;
}
