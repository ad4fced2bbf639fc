/* Hub downloads with libcurl: one file at a time into a temp file renamed
 * into place, so an interrupted download never looks complete. */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "complexity/hub.h"
#include "complexity/common.h"
#include "complexity/fileio.h"
#include "util/sbuf.h"

static const char *const REQUIRED[] = {"config.json", "model.safetensors"};
static const char *const VOCABS[] = {"tokenizer.json", "vocab.txt"};
static const char *const OPTIONAL[] = {"tokenizer_config.json"};

static int exists(const char *dir, const char *file) {
    char *p = cx_path_join(dir, file);
    struct stat st;
    int ok = p && stat(p, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0;
    free(p);
    return ok;
}

static int complete(const char *dir) {
    return exists(dir, REQUIRED[0]) && exists(dir, REQUIRED[1]) && (exists(dir, VOCABS[0]) || exists(dir, VOCABS[1]));
}

static char *default_cache(void) {
    const char *v = getenv("CX_CACHE_DIR");
    if (v && *v) return strdup(v);
    sbuf b = SBUF_INIT;
    if ((v = getenv("XDG_CACHE_HOME")) && *v) sbuf_printf(&b, "%s/complexity", v);
    else sbuf_printf(&b, "%s/.cache/complexity", (v = getenv("HOME")) && *v ? v : ".");
    return sbuf_detach(&b);
}

/* Downloads url into path; *http gets the status (0 when no answer). */
static int download(const char *url, const char *path, long *http, char *curl_msg, cx_error *err) {
    cx_afile af;
    int rc = cx_afile_open(&af, path, err);
    if (rc) return rc;
    CURL *c = curl_easy_init();
    if (!c) {
        cx_afile_abort(&af);
        return cx_error_set(err, CX_ERR_NOMEM, "cannot start libcurl");
    }
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, af.f);
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(c, CURLOPT_FAILONERROR, 1L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 15L);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, curl_msg);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "complexity/" CX_VERSION_STRING);
    curl_msg[0] = '\0';
    CURLcode cc = curl_easy_perform(c);
    *http = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, http);
    curl_easy_cleanup(c);
    if (cc != CURLE_OK) {
        if (!curl_msg[0]) snprintf(curl_msg, CURL_ERROR_SIZE, "%s", curl_easy_strerror(cc));
        cx_afile_abort(&af);
        return CX_ERR_IO;
    }
    return cx_afile_commit(&af, err);
}

static int fetch_file(const char *endpoint, const char *name, const char *dir, const char *file, int required,
                      cx_error *err) {
    if (exists(dir, file)) return CX_OK;
    sbuf url = SBUF_INIT;
    sbuf_printf(&url, "%s/%s/resolve/main/%s", endpoint, name, file);
    char *path = cx_path_join(dir, file);
    char msg[CURL_ERROR_SIZE];
    long http;
    int rc = path && !url.oom ? download(sbuf_str(&url), path, &http, msg, err) : CX_ERR_NOMEM;
    if (rc == CX_ERR_IO && !required) rc = CX_OK;
    else if (rc == CX_ERR_IO) cx_error_set(err, CX_ERR_IO, "cannot download %s: %s", sbuf_str(&url), msg);
    sbuf_free(&url);
    free(path);
    return rc;
}

static int fetch_all(const char *endpoint, const char *name, const char *dir, cx_error *err) {
    int rc = CX_OK;
    for (size_t i = 0; i < 2 && rc == CX_OK; i++) rc = fetch_file(endpoint, name, dir, REQUIRED[i], 1, err);
    for (size_t i = 0; i < 2 && rc == CX_OK; i++) rc = fetch_file(endpoint, name, dir, VOCABS[i], 0, err);
    if (rc == CX_OK) rc = fetch_file(endpoint, name, dir, OPTIONAL[0], 0, err);
    if (rc == CX_OK && !complete(dir))
        rc = cx_error_set(err, CX_ERR_NOT_FOUND, "%s/%s has neither tokenizer.json nor vocab.txt", endpoint, name);
    return rc;
}

int cx_hub_fetch(const char *name, const char *cache_dir, char **dir_out, cx_error *err) {
    *dir_out = NULL;
    if (!*name || strstr(name, "..") || name[0] == '/')
        return cx_error_set(err, CX_ERR_INVALID, "'%s' is not a Hugging Face model name", name);
    char *cache = cache_dir ? strdup(cache_dir) : default_cache();
    sbuf dir = SBUF_INIT;
    sbuf_printf(&dir, "%s/hub/%s", cache ? cache : ".", name);
    free(cache);
    if (dir.oom) return cx_error_set(err, CX_ERR_NOMEM, "out of memory");
    int rc = CX_OK;
    if (!complete(sbuf_str(&dir))) {
        const char *endpoint = getenv("HF_ENDPOINT");
        if (!endpoint || !*endpoint) endpoint = "https://huggingface.co";
        rc = cx_mkdirs(sbuf_str(&dir), err);
        if (rc == CX_OK) rc = fetch_all(endpoint, name, sbuf_str(&dir), err);
        char cause[CX_ERRMSG_MAX] = "";
        if (err) memcpy(cause, err->msg, sizeof cause);
        if (rc == CX_ERR_IO || rc == CX_ERR_NOT_FOUND)
            cx_error_set(err, rc,
                         "%s\nWithout network, put config.json, model.safetensors and vocab.txt (or tokenizer.json) of "
                         "%s into %s, or set base_dir to a folder with those files (or NULL to train from "
                         "scratch)",
                         cause, name, sbuf_str(&dir));
    }
    if (rc == CX_OK) *dir_out = sbuf_detach(&dir);
    sbuf_free(&dir);
    return rc;
}
