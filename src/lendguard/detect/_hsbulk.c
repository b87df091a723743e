/* Hyperscan's block-mode scan with its matches collected in C.
 *
 * python-hyperscan calls a Python function once per match: on dense records (one match every
 * ~15 bytes) those calls cost more than the scan. Here the matches are appended to C arrays
 * while the GIL is released, and handed back as three byte strings (pattern ids as uint32, starts
 * and ends as int64), in the order hyperscan reported them. Built against Debian's libhs; the
 * package works without it (see hyperscan_cache.py).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <pythread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <hs/hs.h>

static PyObject *HsError;

typedef struct {
    PyObject_HEAD
    hs_database_t *database;
    hs_scratch_t *scratch;
    PyThread_type_lock lock; /* one scratch: one scan at a time */
} Database;

typedef struct {
    uint32_t *ids;
    int64_t *starts;
    int64_t *ends;
    size_t count;
    size_t capacity;
    int failed;
} Matches;

static int grow(Matches *found) {
    size_t capacity = found->capacity ? found->capacity * 2 : 4096;
    uint32_t *ids = realloc(found->ids, capacity * sizeof(uint32_t));
    if (ids == NULL) return -1;
    found->ids = ids;
    int64_t *starts = realloc(found->starts, capacity * sizeof(int64_t));
    if (starts == NULL) return -1;
    found->starts = starts;
    int64_t *ends = realloc(found->ends, capacity * sizeof(int64_t));
    if (ends == NULL) return -1;
    found->ends = ends;
    found->capacity = capacity;
    return 0;
}

static int on_match(unsigned int id, unsigned long long from, unsigned long long to, unsigned int flags,
                    void *context) {
    (void)flags;
    Matches *found = (Matches *)context;
    if (found->count == found->capacity && grow(found) != 0) {
        found->failed = 1;
        return 1; /* stops the scan */
    }
    found->ids[found->count] = id;
    found->starts[found->count] = (int64_t)from;
    found->ends[found->count] = (int64_t)to;
    found->count++;
    return 0;
}

static void release(Matches *found) {
    free(found->ids);
    free(found->starts);
    free(found->ends);
}

static PyObject *raise_hs(const char *what, hs_error_t code) {
    PyErr_Format(HsError, "%s failed (hyperscan error %d)", what, (int)code);
    return NULL;
}

static void Database_dealloc(Database *self) {
    if (self->scratch != NULL) hs_free_scratch(self->scratch);
    if (self->database != NULL) hs_free_database(self->database);
    if (self->lock != NULL) PyThread_free_lock(self->lock);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *Database_scan(Database *self, PyObject *args) {
    Py_buffer data;
    if (!PyArg_ParseTuple(args, "y*:scan", &data)) return NULL;
    if ((unsigned long long)data.len > UINT32_MAX) {
        PyBuffer_Release(&data);
        PyErr_SetString(PyExc_ValueError, "hyperscan scans at most 4 GiB at a time");
        return NULL;
    }
    Matches found = {0};
    hs_error_t code;
    Py_BEGIN_ALLOW_THREADS
    PyThread_acquire_lock(self->lock, WAIT_LOCK);
    code = hs_scan(self->database, data.buf, (unsigned int)data.len, 0, self->scratch, on_match, &found);
    PyThread_release_lock(self->lock);
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&data);
    if (found.failed) {
        release(&found);
        return PyErr_NoMemory();
    }
    if (code != HS_SUCCESS && code != HS_SCAN_TERMINATED) {
        release(&found);
        return raise_hs("hs_scan", code);
    }
    static const char nothing[] = ""; /* y# of NULL would give None */
    PyObject *result = Py_BuildValue(
        "(y#y#y#)", found.count ? (const char *)found.ids : nothing, (Py_ssize_t)(found.count * sizeof(uint32_t)),
        found.count ? (const char *)found.starts : nothing, (Py_ssize_t)(found.count * sizeof(int64_t)),
        found.count ? (const char *)found.ends : nothing, (Py_ssize_t)(found.count * sizeof(int64_t)));
    release(&found);
    return result;
}

static PyObject *Database_serialize(Database *self, PyObject *Py_UNUSED(ignored)) {
    char *bytes = NULL;
    size_t length = 0;
    hs_error_t code = hs_serialize_database(self->database, &bytes, &length);
    if (code != HS_SUCCESS) return raise_hs("hs_serialize_database", code);
    PyObject *result = PyBytes_FromStringAndSize(bytes, (Py_ssize_t)length);
    free(bytes); /* hyperscan's default allocator is malloc */
    return result;
}

static PyMethodDef Database_methods[] = {
    {"scan", (PyCFunction)Database_scan, METH_VARARGS,
     "scan(data) -> (ids, starts, ends): every match, as uint32 / int64 / int64 bytes, in report order."},
    {"serialize", (PyCFunction)Database_serialize, METH_NOARGS, "The database as bytes, for deserialize()."},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject DatabaseType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "lendguard.detect._hsbulk.Database",
    .tp_basicsize = sizeof(Database),
    .tp_dealloc = (destructor)Database_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "A compiled block-mode hyperscan database with its scratch space.",
    .tp_methods = Database_methods,
};

/* Takes ownership of `database`: freed here on failure. */
static PyObject *wrap(hs_database_t *database) {
    hs_scratch_t *scratch = NULL;
    hs_error_t code = hs_alloc_scratch(database, &scratch);
    if (code != HS_SUCCESS) {
        hs_free_database(database);
        return raise_hs("hs_alloc_scratch", code);
    }
    Database *self = PyObject_New(Database, &DatabaseType);
    if (self == NULL) {
        hs_free_scratch(scratch);
        hs_free_database(database);
        return NULL;
    }
    self->database = database;
    self->scratch = scratch;
    self->lock = PyThread_allocate_lock();
    if (self->lock == NULL) {
        Py_DECREF(self);
        return PyErr_NoMemory();
    }
    return (PyObject *)self;
}

static PyObject *compile(PyObject *module, PyObject *args) {
    (void)module;
    PyObject *expressions, *flags;
    if (!PyArg_ParseTuple(args, "O!O!:compile", &PyList_Type, &expressions, &PyList_Type, &flags)) return NULL;
    Py_ssize_t count = PyList_GET_SIZE(expressions);
    if (count == 0 || PyList_GET_SIZE(flags) != count) {
        PyErr_SetString(PyExc_ValueError, "compile needs as many flags as expressions, and at least one");
        return NULL;
    }
    const char **patterns = PyMem_Calloc((size_t)count, sizeof(char *));
    unsigned int *flag_values = PyMem_Calloc((size_t)count, sizeof(unsigned int));
    unsigned int *ids = PyMem_Calloc((size_t)count, sizeof(unsigned int));
    PyObject *result = NULL;
    if (patterns == NULL || flag_values == NULL || ids == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t index = 0; index < count; index++) {
        PyObject *expression = PyList_GET_ITEM(expressions, index);
        if (!PyBytes_Check(expression)) {
            PyErr_SetString(PyExc_TypeError, "expressions must be bytes");
            goto done;
        }
        patterns[index] = PyBytes_AS_STRING(expression); /* NUL-terminated; the list keeps it alive */
        flag_values[index] = (unsigned int)PyLong_AsUnsignedLong(PyList_GET_ITEM(flags, index));
        if (PyErr_Occurred()) goto done;
        ids[index] = (unsigned int)index;
    }
    hs_database_t *database = NULL;
    hs_compile_error_t *problem = NULL;
    hs_error_t code;
    Py_BEGIN_ALLOW_THREADS
    code = hs_compile_multi(patterns, flag_values, ids, (unsigned int)count, HS_MODE_BLOCK, NULL, &database, &problem);
    Py_END_ALLOW_THREADS
    if (code != HS_SUCCESS) {
        if (problem != NULL) {
            PyObject *error = Py_BuildValue("(si)", problem->message, problem->expression);
            if (error != NULL) {
                PyErr_SetObject(HsError, error);
                Py_DECREF(error);
            }
            hs_free_compile_error(problem);
        } else {
            raise_hs("hs_compile_multi", code);
        }
        goto done;
    }
    result = wrap(database);
done:
    PyMem_Free(patterns);
    PyMem_Free(flag_values);
    PyMem_Free(ids);
    return result;
}

static PyObject *deserialize(PyObject *module, PyObject *args) {
    (void)module;
    Py_buffer data;
    if (!PyArg_ParseTuple(args, "y*:deserialize", &data)) return NULL;
    hs_database_t *database = NULL;
    hs_error_t code = hs_deserialize_database(data.buf, (size_t)data.len, &database);
    PyBuffer_Release(&data);
    if (code != HS_SUCCESS) return raise_hs("hs_deserialize_database", code);
    return wrap(database);
}

static PyObject *line_breaks(PyObject *module, PyObject *args) {
    (void)module;
    Py_buffer data;
    if (!PyArg_ParseTuple(args, "y*:line_breaks", &data)) return NULL;
    const char *bytes = data.buf, *end = bytes + data.len;
    size_t count = 0, capacity = 0;
    int64_t *found = NULL;
    int failed = 0;
    Py_BEGIN_ALLOW_THREADS
    for (const char *at = bytes; at < end; at++) {
        at = memchr(at, '\n', (size_t)(end - at));
        if (at == NULL) break;
        if (count == capacity) {
            size_t grown = capacity ? capacity * 2 : 1024;
            int64_t *larger = realloc(found, grown * sizeof(int64_t));
            if (larger == NULL) {
                failed = 1;
                break;
            }
            found = larger;
            capacity = grown;
        }
        found[count++] = at - bytes;
    }
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&data);
    if (failed) {
        free(found);
        return PyErr_NoMemory();
    }
    PyObject *result = PyBytes_FromStringAndSize(count ? (const char *)found : "", (Py_ssize_t)(count * sizeof(int64_t)));
    free(found);
    return result;
}

/* The start-of-match offsets of a pass's reports where hyperscan gave ends only: for a report of a
 * pattern whose value is a whole run of the bytes its table holds (`tables`: per pattern id a flag
 * byte, 1 for such a pattern, then its 256-byte table of ASCII bytes), the first byte of the
 * character before that run, as a start-of-match report gives it (the report's end is just after
 * the character consumed after the value); any other report keeps its start. */
static PyObject *run_starts(PyObject *module, PyObject *args) {
    (void)module;
    Py_buffer data, ids, starts, ends, tables;
    if (!PyArg_ParseTuple(args, "y*y*y*y*y*:run_starts", &data, &ids, &starts, &ends, &tables)) return NULL;
    PyObject *result = NULL;
    const Py_ssize_t row = 257, width = (Py_ssize_t)sizeof(int64_t);
    Py_ssize_t count = ids.len / width, patterns = tables.len / row;
    if (ids.len % width || starts.len != ids.len || ends.len != ids.len || tables.len % row) {
        PyErr_SetString(PyExc_ValueError, "run_starts needs int64 ids, starts and ends of one length, 257-byte table rows");
        goto done;
    }
    const unsigned char *bytes = data.buf, *table = tables.buf;
    const int64_t *id = ids.buf, *start = starts.buf, *end = ends.buf;
    for (Py_ssize_t i = 0; i < count; i++) {
        if (id[i] < 0 || id[i] >= patterns || (table[id[i] * row] && (end[i] < 2 || end[i] > data.len))) {
            PyErr_SetString(PyExc_ValueError, "a report's pattern or end is out of range");
            goto done;
        }
    }
    result = PyBytes_FromStringAndSize(NULL, starts.len);
    if (result == NULL) goto done;
    int64_t *found = (int64_t *)PyBytes_AS_STRING(result);
    for (Py_ssize_t i = 0; i < count; i++) {
        const unsigned char *in_run = table + id[i] * row;
        if (!in_run[0]) {
            found[i] = start[i];
            continue;
        }
        in_run++;
        int64_t at = end[i] - 1;
        while (at > 0 && (bytes[at] & 0xC0) == 0x80) at--; /* the first byte of the character after */
        while (at > 0 && in_run[bytes[at - 1]]) at--;      /* back over the run: the value's first byte */
        at = at > 0 ? at - 1 : 0;                          /* the character before it, from its first byte */
        while (at > 0 && (bytes[at] & 0xC0) == 0x80) at--;
        found[i] = at;
    }
done:
    PyBuffer_Release(&data);
    PyBuffer_Release(&ids);
    PyBuffer_Release(&starts);
    PyBuffer_Release(&ends);
    PyBuffer_Release(&tables);
    return result;
}

static PyObject *version(PyObject *module, PyObject *Py_UNUSED(ignored)) {
    (void)module;
    return PyUnicode_FromString(hs_version());
}

static PyMethodDef module_methods[] = {
    {"compile", compile, METH_VARARGS,
     "compile(expressions, flags) -> Database: block mode, ids 0, 1, ...; raises Error(message, expression)."},
    {"deserialize", deserialize, METH_VARARGS, "deserialize(data) -> Database; raises Error."},
    {"version", version, METH_NOARGS, "The version of the linked libhs."},
    {"line_breaks", line_breaks, METH_VARARGS, "line_breaks(data) -> int64 bytes: the offsets of every b'\\n' in data."},
    {"run_starts", run_starts, METH_VARARGS,
     "run_starts(data, ids, starts, ends, tables) -> int64 bytes: the starts, found for ids whose values are runs."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module_definition = {
    PyModuleDef_HEAD_INIT,
    .m_name = "_hsbulk",
    .m_doc = "Hyperscan block scans with matches collected in C.",
    .m_size = -1,
    .m_methods = module_methods,
};

PyMODINIT_FUNC PyInit__hsbulk(void) {
    if (PyType_Ready(&DatabaseType) < 0) return NULL;
    PyObject *module = PyModule_Create(&module_definition);
    if (module == NULL) return NULL;
    HsError = PyErr_NewException("lendguard.detect._hsbulk.Error", NULL, NULL);
    if (HsError == NULL || PyModule_AddObjectRef(module, "Error", HsError) < 0 ||
        PyModule_AddObjectRef(module, "Database", (PyObject *)&DatabaseType) < 0 ||
        PyModule_AddIntConstant(module, "HS_FLAG_CASELESS", HS_FLAG_CASELESS) < 0 ||
        PyModule_AddIntConstant(module, "HS_FLAG_UTF8", HS_FLAG_UTF8) < 0 ||
        PyModule_AddIntConstant(module, "HS_FLAG_SOM_LEFTMOST", HS_FLAG_SOM_LEFTMOST) < 0 ||
        PyModule_AddIntConstant(module, "HS_FLAG_ALLOWEMPTY", HS_FLAG_ALLOWEMPTY) < 0) {
        Py_DECREF(module);
        return NULL;
    }
    return module;
}
