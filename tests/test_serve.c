/* The service's pieces that need no socket: which messages are a bare
 * go-ahead (/v1/route's approval inheritance), and the server's option
 * checks. The HTTP side is tested through real requests in cli_serve.sh. */
#include <stdlib.h>
#include <string.h>

#include "complexity.h"
#include "serve/serve_int.h"
#include "testutil.h"

static int approval(const char *s) { return route_is_approval(s, strlen(s)); }

static void test_approvals(void **state) {
    (void)state;
    static const char *const yes[] = {
        "ok do it", "OK, do it.", "yes go ahead", "Yes, go ahead!", "sounds good, thanks", "lgtm", "sure",
        "go for it", "please do", "k", "proceed", "let's do it!", "okay then", "yep, continue",
        "好", "好 就這樣做", "好的，開始吧", "可以", "沒問題，繼續", "行", "好啊 谢谢", "就这样做吧", "嗯嗯 好",
        "ok 就這樣", "好！", "  ok  "};
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++)
        if (!approval(yes[i])) fail_msg("not taken as an approval: '%s'", yes[i]);
    static const char *const no[] = {
        "", "   ", "!!!", "ok, and what is the capital of France?", "do it in Rust instead", "yes but use Go",
        "okra recipe", "好 但是改用 Python", "可以幫我寫一個爬蟲嗎", "no", "不要", "wait",
        "go ahead and also add tests for the parser module", "sure, explain monads",
        "ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok"};
    for (size_t i = 0; i < sizeof no / sizeof no[0]; i++)
        if (approval(no[i])) fail_msg("taken as an approval: '%s'", no[i]);
}

static void test_start_errors(void **state) {
    (void)state;
    cx_server *srv = (cx_server *)1;
    cx_error err = {0, ""};
    cx_server_options o = cx_server_default_options();
    assert_int_equal(cx_server_start(&o, &srv, &err), CX_ERR_INVALID);
    assert_null(srv);
    assert_non_null(strstr(err.msg, "config_path"));
    char *dir = tu_tmpdir("serve");
    char *cfg = tu_path(dir, "config.yaml");
    tu_write_file(cfg, "task_complexity:\n  ml_model_enabled: false\n", 42);
    o.config_path = cfg;
    o.port = 70000;
    assert_int_equal(cx_server_start(&o, &srv, &err), CX_ERR_INVALID);
    assert_non_null(strstr(err.msg, "port"));
    o.port = 0;
    o.host = "not-an-address";
    assert_int_equal(cx_server_start(&o, &srv, &err), CX_ERR_INVALID);
    assert_non_null(strstr(err.msg, "host"));
    /* a bad config is named by file and line; nothing listens */
    tu_write_file(cfg, "task_complexity:\n  trigger_mode: sometimes\n", 42);
    o.host = NULL;
    assert_int_equal(cx_server_start(&o, &srv, &err), CX_ERR_FORMAT);
    assert_non_null(strstr(err.msg, "config.yaml:2: task_complexity.trigger_mode"));
    /* two servers side by side, each on its own free port */
    tu_write_file(cfg, "task_complexity:\n  ml_model_enabled: false\n", 42);
    cx_server *a = NULL, *b = NULL;
    assert_int_equal(cx_server_start(&o, &a, &err), CX_OK);
    assert_int_equal(cx_server_start(&o, &b, &err), CX_OK);
    assert_true(cx_server_port(a) > 0 && cx_server_port(b) > 0 && cx_server_port(a) != cx_server_port(b));
    /* a taken port is an error naming it */
    o.port = cx_server_port(a);
    cx_server *c = NULL;
    assert_int_equal(cx_server_start(&o, &c, &err), CX_ERR_IO);
    assert_non_null(strstr(err.msg, "cannot listen"));
    cx_server_stop(a);
    cx_server_stop(b);
    free(cfg);
    free(dir);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_approvals),
        cmocka_unit_test(test_start_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
