/*
 * test/tooling/tooling_plugin.c - a plugin the host loads later with dlopen:
 * a global (plugin_total) and a static (plugin_calls).
 */
int plugin_total;
static long plugin_calls;

__attribute__((noinline)) int plugin_step(int v)
{
    plugin_calls++;
    plugin_total += v;
    return plugin_total;
}

void *plugin_calls_addr(void) { return &plugin_calls; }
