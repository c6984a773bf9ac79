/* The per-call hot path of `jit`, in C: the base type of `JitFunction`.
 *
 * A call with nothing traced, in a signature compiled before, is run here: its leaves are
 * pullback Arrays, NumPy arrays or scalars, alone or in tuples, namedtuples, lists, dicts and
 * None in one of the few structures the table serves. The leaf avals (and the values of
 * static arguments, and the structure's key suffix) form the key of a fast table; the device
 * buffers are gathered, the executable is launched, its outputs are wrapped in new Arrays and
 * donated Arrays are marked as such. Leaves that are not Arrays are given their aval and
 * buffer by the Python callable `_convert_c`. Three tables: calls of positional leaves only,
 * calls of the tree structures `_tree_c`, and calls with keyword, static or donated arguments
 * (`_split_c`, `_gtree_c`).
 *
 * Anything else goes to the Python method `_call_slow`, which does the same work in general
 * (and fills the tables). `jit.py` holds a pure-Python equivalent (`_PyCall`), used where
 * this module was not built.
 *
 * The Array slots are read and written at the offsets of their member descriptors, which
 * `configure` receives once.
 */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <structmember.h>

typedef struct {
    PyObject *entries;    /* dict: tuple of leaf avals -> entry tuple (see ENTRY_*) */
    PyObject *last_key;   /* the key of the last hit (its avals compared by identity)... */
    PyObject *last_entry; /* ...and its entry: a repeated call skips hashing and lookup */
} Table;

typedef struct {
    PyObject_HEAD
    Table flat;      /* calls whose arguments are all Arrays, keyed by their avals */
    Table tree;      /* calls of the structures `shape`, keyed by leaf avals + the structure's */
    PyObject *shape; /* the argument structures served, a tuple of (codegen.describe(args
                      * treedef), number of leaves, key suffix: a tuple), or None */
    PyObject *convert; /* convert(leaf) -> (aval, device buffer), or None: a non-Array leaf */
    /* Calls with keywords, static or donated arguments: (static positions, ascending, and the
     * frozenset of static names), or None; their dynamic arguments `(args, kwargs)` have the
     * structures `gshape` (as `shape`) and `gtree` is keyed by leaf avals, then the static
     * values, then the structure's key suffix. */
    PyObject *split;
    Table gtree;
    PyObject *gshape;
    char plain;      /* nothing static or donated: the fast tables apply */
    vectorcallfunc vectorcall;
} Dispatcher;
/* (Python subclasses get their own __dict__ and __weakref__ slots, which subtype_dealloc
 * clears.) */

/* An entry: (x64, launch, collect, handlers, consts, device, out_avals, single, build, kept,
 * donated). `launch(buffers)` starts the executable; the method named `collect` of what it
 * returns, called with `handlers`, gives the output buffers (the names come from _jaxlib.py,
 * the one module that knows jaxlib's API). `kept` is None (every leaf is an input) or the
 * indices of the leaves that are; `donated` is None or (leaf indices, is_deleted): after the
 * launch each donated Array whose buffer `is_deleted` says is gone is marked donated. */
enum {
    ENTRY_X64, ENTRY_LAUNCH, ENTRY_COLLECT, ENTRY_HANDLERS, ENTRY_CONSTS, ENTRY_DEVICE,
    ENTRY_OUT_AVALS, ENTRY_SINGLE, ENTRY_BUILD, ENTRY_KEPT, ENTRY_DONATED, ENTRY_SIZE
};

static PyTypeObject *array_type = NULL;
static PyObject *context = NULL;    /* the thread-local trace context */
static PyObject *eval_trace = NULL; /* the EvalTrace type */
static PyObject *state = NULL;      /* the config state (its x64 flag) */
static Py_ssize_t off_aval, off_host, off_buf, off_device, off_owned, off_deleted, off_replicas;
static Py_ssize_t off_x64; /* of the config state's `x64` slot */
static Py_ssize_t off_disable_jit; /* ...and of its `disable_jit` slot (True: every call slow) */
static PyObject *str_trace, *str_x64, *str_buffer_on, *str_call_slow;
static PyObject *empty_dict; /* the keywords of a call without any (never changed) */

#define SLOT(obj, off) (*(PyObject **)((char *)(obj) + (off)))

static void set_slot(PyObject *obj, Py_ssize_t off, PyObject *value) {
    PyObject *old = SLOT(obj, off);
    Py_INCREF(value);
    SLOT(obj, off) = value;
    Py_XDECREF(old);
}

static PyObject *slow(Dispatcher *self, PyObject *args, PyObject *kwargs) {
    PyObject *meth = PyObject_GetAttr((PyObject *)self, str_call_slow);
    if (meth == NULL) return NULL;
    PyObject *out = PyObject_Call(meth, args, kwargs);
    Py_DECREF(meth);
    return out;
}

/* A new Array of `aval` holding `host` (an ndarray or None) and/or `buf` (references borrowed). */
static PyObject *new_array(PyObject *aval, PyObject *host, PyObject *buf, PyObject *device) {
    PyObject *a = array_type->tp_alloc(array_type, 0);
    if (a == NULL) return NULL;
    set_slot(a, off_aval, aval);
    set_slot(a, off_host, host);
    set_slot(a, off_buf, buf);
    set_slot(a, off_device, device);
    set_slot(a, off_owned, Py_True);
    set_slot(a, off_deleted, Py_False);
    set_slot(a, off_replicas, Py_None);
    return a;
}

/* Whether `obj` has the structure `node` (see codegen.describe): 1 yes, its leaves stored
 * in `leaves` from *k on; 0 no (or nested deeper than the C stack should go); -1 error. */
static int walk_at(PyObject *obj, PyObject *node, PyObject *leaves, Py_ssize_t *k, int depth) {
    if (depth > 256) return 0;
    if (node == Py_None) {
        if (*k >= PyTuple_GET_SIZE(leaves)) return 0;
        Py_INCREF(obj);
        PyTuple_SET_ITEM(leaves, (*k)++, obj);
        return 1;
    }
    if (!PyTuple_Check(node) || PyTuple_GET_SIZE(node) != 3 ||
        !PyTuple_Check(PyTuple_GET_ITEM(node, 1))) {
        PyErr_SetString(PyExc_TypeError, "jit: malformed tree description");
        return -1;
    }
    PyObject *type = PyTuple_GET_ITEM(node, 0), *children = PyTuple_GET_ITEM(node, 1);
    PyObject *keys = PyTuple_GET_ITEM(node, 2);
    if ((PyObject *)Py_TYPE(obj) != type) return 0;
    Py_ssize_t n = PyTuple_GET_SIZE(children);
    if (obj == Py_None) return 1;
    int is_dict = type == (PyObject *)&PyDict_Type;
    if (is_dict && (!PyTuple_Check(keys) || PyTuple_GET_SIZE(keys) != n)) {
        PyErr_SetString(PyExc_TypeError, "jit: malformed tree description");
        return -1;
    }
    if (!is_dict && !PyTuple_Check(obj) && !PyList_CheckExact(obj)) return 0;
    Py_ssize_t size = is_dict ? PyDict_GET_SIZE(obj) : Py_SIZE(obj); /* (a tuple or list) */
    if (size != n) return 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *child;
        if (is_dict) {
            child = PyDict_GetItemWithError(obj, PyTuple_GET_ITEM(keys, i));
            if (child == NULL) return PyErr_Occurred() ? -1 : 0;
        } else {
            child = PyTuple_Check(obj) ? PyTuple_GET_ITEM(obj, i) : PyList_GET_ITEM(obj, i);
        }
        Py_INCREF(child); /* (a key's __eq__ could change the container) */
        int r = walk_at(child, PyTuple_GET_ITEM(children, i), leaves, k, depth + 1);
        Py_DECREF(child);
        if (r != 1) return r;
        if (!is_dict && Py_SIZE(obj) != n) return 0;
    }
    return 1;
}

static int walk(PyObject *obj, PyObject *node, PyObject *leaves, Py_ssize_t *k) {
    return walk_at(obj, node, leaves, k, 0);
}

/* The aval of leaf i: an Array's, else the one `conv` holds for it (NULL: neither). */
static PyObject *leaf_aval(PyObject *const *leaves, PyObject *conv, Py_ssize_t i) {
    PyObject *a = leaves[i];
    if (Py_TYPE(a) == array_type) return SLOT(a, off_aval);
    if (conv == NULL) return NULL;
    PyObject *c = PyTuple_GET_ITEM(conv, i);
    return c == Py_None ? NULL : PyTuple_GET_ITEM(c, 0);
}

/* Mark each donated Array leaf whose buffer the launch consumed (Array._mark_donated). */
static int mark_donated(PyObject *const *leaves, PyObject *donated) {
    PyObject *idx = PyTuple_GET_ITEM(donated, 0), *is_deleted = PyTuple_GET_ITEM(donated, 1);
    for (Py_ssize_t j = 0; j < PyTuple_GET_SIZE(idx); j++) {
        PyObject *a = leaves[PyLong_AsSsize_t(PyTuple_GET_ITEM(idx, j))];
        if (Py_TYPE(a) != array_type) continue;
        PyObject *buf = SLOT(a, off_buf);
        if (buf == NULL || buf == Py_None) continue;
        PyObject *gone = PyObject_CallOneArg(is_deleted, buf);
        if (gone == NULL) return -1;
        int yes = PyObject_IsTrue(gone);
        Py_DECREF(gone);
        if (yes < 0) return -1;
        if (yes) {
            set_slot(a, off_buf, Py_None);
            set_slot(a, off_host, Py_None);
            set_slot(a, off_deleted, Py_True);
        }
    }
    return 1;
}

/* Whether `entry` has the form run_leaves reads (see ENTRY_*), for `n` leaves. */
static int entry_ok(PyObject *entry, Py_ssize_t n) {
    if (!PyTuple_Check(entry) || PyTuple_GET_SIZE(entry) != ENTRY_SIZE ||
        !PyUnicode_Check(PyTuple_GET_ITEM(entry, ENTRY_COLLECT)) ||
        !PyTuple_Check(PyTuple_GET_ITEM(entry, ENTRY_CONSTS)) ||
        !PyTuple_Check(PyTuple_GET_ITEM(entry, ENTRY_OUT_AVALS)) ||
        PyTuple_GET_SIZE(PyTuple_GET_ITEM(entry, ENTRY_OUT_AVALS)) == 0)
        return 0;
    PyObject *kept = PyTuple_GET_ITEM(entry, ENTRY_KEPT);
    PyObject *donated = PyTuple_GET_ITEM(entry, ENTRY_DONATED);
    PyObject *idx[2] = {kept, NULL};
    if (donated != Py_None) {
        if (!PyTuple_Check(donated) || PyTuple_GET_SIZE(donated) != 2) return 0;
        idx[1] = PyTuple_GET_ITEM(donated, 0);
    }
    for (int j = 0; j < 2; j++) {
        if (idx[j] == NULL || idx[j] == Py_None) continue;
        if (!PyTuple_Check(idx[j])) return 0;
        for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(idx[j]); i++) {
            PyObject *v = PyTuple_GET_ITEM(idx[j], i);
            if (!PyLong_CheckExact(v)) return 0;
            Py_ssize_t k = PyLong_AsSsize_t(v);
            if (k < 0 || k >= n) { PyErr_Clear(); return 0; }
        }
    }
    return 1;
}

/* Run the call whose `n` leaves are `leaves` from `table`; `conv` (or NULL when all are Arrays)
 * holds (aval, buffer) for each leaf that is not an Array; the key is the leaf avals followed
 * by the items of `extra` (static arguments; may be NULL).
 * 1: ran (result in *out, NULL on error); 0: not in the table (nothing raised). */
static int run_leaves(Table *table, PyObject *const *leaves, Py_ssize_t n, PyObject *conv,
                      PyObject *extra, PyObject **out) {
    Py_ssize_t ne = extra == NULL ? 0 : PyTuple_GET_SIZE(extra);
    if (table->entries == NULL || !PyDict_Check(table->entries)) return 0;

    PyObject *entry = NULL; /* borrowed */
    PyObject *last = table->last_key;
    if (last != NULL && PyTuple_GET_SIZE(last) == n + ne) {
        Py_ssize_t i = 0;
        for (; i < n; i++) {
            if (leaf_aval(leaves, conv, i) != PyTuple_GET_ITEM(last, i)) break;
        }
        for (; i >= n && i < n + ne; i++) {
            if (PyTuple_GET_ITEM(extra, i - n) != PyTuple_GET_ITEM(last, i)) break;
        }
        if (i == n + ne) entry = table->last_entry;
    }
    if (entry == NULL) {
        PyObject *key = PyTuple_New(n + ne);
        if (key == NULL) { *out = NULL; return 1; }
        for (Py_ssize_t i = 0; i < n; i++) {
            PyObject *aval = leaf_aval(leaves, conv, i);
            if (aval == NULL) {
                Py_DECREF(key);
                return 0;
            }
            Py_INCREF(aval);
            PyTuple_SET_ITEM(key, i, aval);
        }
        for (Py_ssize_t i = 0; i < ne; i++) {
            PyObject *v = PyTuple_GET_ITEM(extra, i);
            Py_INCREF(v);
            PyTuple_SET_ITEM(key, n + i, v);
        }
        entry = PyDict_GetItemWithError(table->entries, key);
        if (entry == NULL) {
            Py_DECREF(key);
            if (PyErr_Occurred()) {
                /* An unhashable static argument: the general path explains it. */
                if (!PyErr_ExceptionMatches(PyExc_TypeError)) { *out = NULL; return 1; }
                PyErr_Clear();
            }
            return 0;
        }
        if (!entry_ok(entry, n)) {
            Py_DECREF(key);
            return 0;
        }
        Py_INCREF(entry);
        Py_XSETREF(table->last_entry, entry); /* (the dict holds it too: still borrowed here) */
        Py_XSETREF(table->last_key, key);
    }
    Py_INCREF(entry); /* held while Python code runs below (another thread may clear tables) */
    /* (the x64 slot holds a bool: only its identity is compared; unset, the slow path raises) */
    if (SLOT(state, off_x64) != PyTuple_GET_ITEM(entry, ENTRY_X64)) {
        Py_DECREF(entry);
        return 0;
    }
    PyObject *device = PyTuple_GET_ITEM(entry, ENTRY_DEVICE);
    PyObject *consts = PyTuple_GET_ITEM(entry, ENTRY_CONSTS);
    PyObject *out_avals = PyTuple_GET_ITEM(entry, ENTRY_OUT_AVALS);
    PyObject *kept = PyTuple_GET_ITEM(entry, ENTRY_KEPT);
    PyObject *donated = PyTuple_GET_ITEM(entry, ENTRY_DONATED);
    if (donated != Py_None) { /* a donated leaf must be an Array: a converted one may be a
                               * kept scalar buffer, which the launch would consume */
        PyObject *idx = PyTuple_GET_ITEM(donated, 0);
        for (Py_ssize_t j = 0; j < PyTuple_GET_SIZE(idx); j++) {
            Py_ssize_t i = PyLong_AsSsize_t(PyTuple_GET_ITEM(idx, j));
            if (Py_TYPE(leaves[i]) != array_type) {
                Py_DECREF(entry);
                return 0;
            }
        }
    }
    PyObject *result = NULL, *bufs = NULL, *launched = NULL, *outs = NULL;
    Py_ssize_t nc = PyTuple_GET_SIZE(consts);
    Py_ssize_t nk = kept == Py_None ? n : PyTuple_GET_SIZE(kept);

    bufs = PyList_New(nc + nk);
    if (bufs == NULL) goto done;
    for (Py_ssize_t i = 0; i < nc; i++) {
        PyObject *c = PyTuple_GET_ITEM(consts, i);
        Py_INCREF(c);
        PyList_SET_ITEM(bufs, i, c);
    }
    for (Py_ssize_t j = 0; j < nk; j++) {
        Py_ssize_t i = kept == Py_None ? j : PyLong_AsSsize_t(PyTuple_GET_ITEM(kept, j));
        PyObject *a = leaves[i];
        if (Py_TYPE(a) != array_type) { /* a converted leaf */
            PyObject *buf = PyTuple_GET_ITEM(PyTuple_GET_ITEM(conv, i), 1);
            Py_INCREF(buf);
            PyList_SET_ITEM(bufs, nc + j, buf);
            continue;
        }
        PyObject *buf = SLOT(a, off_buf);
        PyObject *rep = SLOT(a, off_replicas);
        if (buf == NULL || buf == Py_None || SLOT(a, off_device) != device ||
            (rep != NULL && rep != Py_None)) {
            buf = PyObject_CallMethodOneArg(a, str_buffer_on, device); /* moves, or raises */
            if (buf == NULL) goto done;
        } else {
            Py_INCREF(buf);
        }
        PyList_SET_ITEM(bufs, nc + j, buf);
    }
    launched = PyObject_CallOneArg(PyTuple_GET_ITEM(entry, ENTRY_LAUNCH), bufs);
    if (launched == NULL) goto done;
    outs = PyObject_CallMethodOneArg(launched, PyTuple_GET_ITEM(entry, ENTRY_COLLECT),
                                     PyTuple_GET_ITEM(entry, ENTRY_HANDLERS));
    if (outs == NULL) goto done;
    if (donated != Py_None && mark_donated(leaves, donated) < 0) goto done;
    if (!PyList_Check(outs) || PyList_GET_SIZE(outs) != PyTuple_GET_SIZE(out_avals)) {
        PyErr_SetString(PyExc_RuntimeError, "jit: the executable returned an unexpected result");
        goto done;
    }
    Py_ssize_t m = PyList_GET_SIZE(outs);
    if (PyTuple_GET_ITEM(entry, ENTRY_SINGLE) == Py_True) {
        result = new_array(PyTuple_GET_ITEM(out_avals, 0), Py_None, PyList_GET_ITEM(outs, 0),
                           device);
        goto done;
    }
    PyObject *arrays = PyList_New(m);
    if (arrays == NULL) goto done;
    for (Py_ssize_t i = 0; i < m; i++) {
        PyObject *arr =
            new_array(PyTuple_GET_ITEM(out_avals, i), Py_None, PyList_GET_ITEM(outs, i), device);
        if (arr == NULL) { Py_DECREF(arrays); goto done; }
        PyList_SET_ITEM(arrays, i, arr);
    }
    result = PyObject_CallOneArg(PyTuple_GET_ITEM(entry, ENTRY_BUILD), arrays);
    Py_DECREF(arrays);
done:
    Py_XDECREF(bufs);
    Py_XDECREF(launched);
    Py_XDECREF(outs);
    Py_DECREF(entry);
    *out = result;
    return 1;
}

/* (aval, buffer) for each leaf that is not an Array, None for each Array, in *conv.
 * 1: done; 0: a leaf the fast path does not take; -1: error. */
static int convert_leaves(Dispatcher *self, PyObject *leaves, PyObject **conv) {
    Py_ssize_t n = PyTuple_GET_SIZE(leaves), i = 0;
    while (i < n && Py_TYPE(PyTuple_GET_ITEM(leaves, i)) == array_type) i++;
    if (i == n) return 1; /* all Arrays: *conv stays NULL */
    if (self->convert == NULL || self->convert == Py_None) return 0;
    PyObject *c = PyTuple_New(n);
    if (c == NULL) return -1;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *leaf = PyTuple_GET_ITEM(leaves, i), *item;
        if (Py_TYPE(leaf) == array_type) {
            item = Py_None;
            Py_INCREF(item);
        } else {
            item = PyObject_CallOneArg(self->convert, leaf);
            if (item == NULL) { Py_DECREF(c); return -1; }
            if (!PyTuple_Check(item) || PyTuple_GET_SIZE(item) != 2) {
                int none = item == Py_None;
                Py_DECREF(item);
                Py_DECREF(c);
                if (none) return 0;
                PyErr_SetString(PyExc_TypeError, "jit: _convert_c must give (aval, buffer)");
                return -1;
            }
        }
        PyTuple_SET_ITEM(c, i, item);
    }
    *conv = c;
    return 1;
}

/* convert_leaves, then run_leaves: 1 ran, 0 not a fast call, -1 error. */
static int convert_and_run(Dispatcher *self, Table *table, PyObject *leaves, PyObject *extra,
                           PyObject **out) {
    PyObject *conv = NULL;
    int r = convert_leaves(self, leaves, &conv);
    if (r == 1) r = run_leaves(table, &PyTuple_GET_ITEM(leaves, 0), PyTuple_GET_SIZE(leaves), conv,
                               extra, out);
    Py_XDECREF(conv);
    return r;
}

static int is_container(PyObject *x) { /* (tuples include namedtuples) */
    PyTypeObject *t = Py_TYPE(x);
    return PyTuple_Check(x) || t == &PyList_Type || t == &PyDict_Type || x == Py_None;
}

/* 1: no transformation is tracing; 0: one is; -1: error. */
static uint64_t context_thread;     /* the id of the thread whose... */
static PyObject *context_dict = NULL; /* ...dict of the thread-local context this is */

static int is_eager(void) {
    /* Thread ids are never reused (PyThreadState_GetID), so the dict is this thread's. */
    uint64_t id = PyThreadState_GetID(PyThreadState_Get());
    if (context_dict != NULL && id == context_thread) {
        PyObject *trace = PyDict_GetItemWithError(context_dict, str_trace); /* borrowed */
        if (trace != NULL) return (PyObject *)Py_TYPE(trace) == eval_trace;
        if (PyErr_Occurred()) return -1;
    }
    PyObject *trace = PyObject_GetAttr(context, str_trace);
    if (trace == NULL) return -1;
    int eager = (PyObject *)Py_TYPE(trace) == eval_trace;
    Py_DECREF(trace);
    PyObject *dict = PyObject_GetAttrString(context, "__dict__"); /* (this thread's) */
    if (dict == NULL || !PyDict_CheckExact(dict)) {
        Py_XDECREF(dict);
        PyErr_Clear(); /* (no dict to keep: the next call asks again) */
        return eager;
    }
    Py_XSETREF(context_dict, dict);
    context_thread = id;
    return eager;
}

/* The leaves of `obj` in the structure `shape` ((description, number of leaves, ...)), in
 * *leaves. 1: matched; 0: not; -1: error. */
static int match_shape(PyObject *obj, PyObject *shape, PyObject **leaves) {
    if (shape == NULL || !PyTuple_Check(shape) || PyTuple_GET_SIZE(shape) < 2) return 0;
    Py_ssize_t nleaves = PyLong_AsSsize_t(PyTuple_GET_ITEM(shape, 1));
    if (nleaves < 0) return PyErr_Occurred() ? -1 : 0;
    Py_INCREF(shape); /* (walking may run a dict key's __eq__) */
    PyObject *l = PyTuple_New(nleaves);
    int r = -1;
    if (l != NULL) {
        Py_ssize_t k = 0;
        r = walk(obj, PyTuple_GET_ITEM(shape, 0), l, &k);
        if (r == 1 && k != nleaves) r = 0;
        if (r == 1) *leaves = l;
        else Py_DECREF(l);
    }
    Py_DECREF(shape);
    return r;
}

/* The first of the structures `shapes` (see Dispatcher.shape) that `obj` has: 1, its leaves
 * in *leaves and its key suffix in *suffix (new references); 0: none; -1: error. */
static int match_shapes(PyObject *obj, PyObject *shapes, PyObject **leaves, PyObject **suffix) {
    if (shapes == NULL || !PyTuple_Check(shapes)) return 0;
    Py_INCREF(shapes); /* (walking may run Python code, which may set other structures) */
    int r = 0;
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(shapes) && r == 0; i++) {
        PyObject *s = PyTuple_GET_ITEM(shapes, i);
        if (!PyTuple_Check(s) || PyTuple_GET_SIZE(s) != 3 || !PyTuple_Check(PyTuple_GET_ITEM(s, 2)))
            continue;
        r = match_shape(obj, s, leaves);
        if (r == 1) {
            *suffix = PyTuple_GET_ITEM(s, 2);
            Py_INCREF(*suffix);
        }
    }
    Py_DECREF(shapes);
    return r;
}

/* An eager call with keyword, static or donated arguments (see Dispatcher.split).
 * 1: ran (result in *out, NULL on error); 0: not a fast call (nothing raised). */
static int try_general(Dispatcher *self, PyObject *args, PyObject *kwargs, PyObject **out) {
    PyObject *split = self->split;
    if (split == NULL || !PyTuple_Check(split) || PyTuple_GET_SIZE(split) != 2 ||
        !PyTuple_Check(PyTuple_GET_ITEM(split, 0)) ||
        !PyFrozenSet_Check(PyTuple_GET_ITEM(split, 1)))
        return 0;
    PyObject *pos = PyTuple_GET_ITEM(split, 0), *names = PyTuple_GET_ITEM(split, 1);
    Py_ssize_t n = PyTuple_GET_SIZE(args), np_ = PyTuple_GET_SIZE(pos);
    PyObject *statics = NULL, *dyn_args = NULL, *dyn_kwargs = NULL;
    PyObject *keys = NULL, *obj = NULL, *leaves = NULL, *extra = NULL, *suffix = NULL;
    int r = -1;
    /* Static positions present in this call? (Ascending: the first decides.) */
    Py_ssize_t first = np_ > 0 ? PyLong_AsSsize_t(PyTuple_GET_ITEM(pos, 0)) : n;
    if (first == -1 && PyErr_Occurred()) goto done;
    int kw = kwargs != NULL && PyDict_GET_SIZE(kwargs) > 0;
    int kw_static = kw && PySet_GET_SIZE(names) > 0;
    if (first < n || kw_static) {
        statics = PyList_New(0);
        if (statics == NULL) goto done;
    }
    if (first >= n) { /* no static positions given: the arguments as they are */
        dyn_args = args;
        Py_INCREF(dyn_args);
    } else {
        PyObject *dl = PyList_New(0);
        if (dl == NULL) goto done;
        Py_ssize_t p = 0;
        for (Py_ssize_t i = 0; i < n; i++) {
            PyObject *a = PyTuple_GET_ITEM(args, i);
            Py_ssize_t next = p < np_ ? PyLong_AsSsize_t(PyTuple_GET_ITEM(pos, p)) : -1;
            if (next == -1 && PyErr_Occurred()) { Py_DECREF(dl); goto done; }
            int fail;
            if (next == i) {
                p++;
                fail = PyList_Append(statics, a);
            } else {
                fail = PyList_Append(dl, a);
            }
            if (fail < 0) { Py_DECREF(dl); goto done; }
        }
        dyn_args = PyList_AsTuple(dl);
        Py_DECREF(dl);
        if (dyn_args == NULL) goto done;
    }
    if (!kw_static) { /* every keyword dynamic: the walk reads the dict as it is */
        dyn_kwargs = kw ? kwargs : empty_dict;
        Py_INCREF(dyn_kwargs);
    } else {
        dyn_kwargs = PyDict_New();
        keys = PyDict_Keys(kwargs);
        if (dyn_kwargs == NULL || keys == NULL || PyList_Sort(keys) < 0) goto done;
        for (Py_ssize_t i = 0; i < PyList_GET_SIZE(keys); i++) {
            PyObject *k = PyList_GET_ITEM(keys, i);
            PyObject *v = PyDict_GetItemWithError(kwargs, k);
            if (v == NULL) goto done;
            int is_static = PySet_Contains(names, k);
            if (is_static < 0) goto done;
            if (is_static) {
                if (PyList_Append(statics, k) < 0 || PyList_Append(statics, v) < 0) goto done;
            } else if (PyDict_SetItem(dyn_kwargs, k, v) < 0) {
                goto done;
            }
        }
    }
    obj = PyTuple_Pack(2, dyn_args, dyn_kwargs);
    if (obj == NULL) goto done;
    r = match_shapes(obj, self->gshape, &leaves, &suffix);
    if (r == 1 && statics == NULL) {
        extra = suffix;
        Py_INCREF(extra);
    } else if (r == 1) { /* the static values, then the suffix */
        for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(suffix) && r == 1; i++) {
            if (PyList_Append(statics, PyTuple_GET_ITEM(suffix, i)) < 0) r = -1;
        }
        if (r == 1) {
            extra = PyList_AsTuple(statics);
            if (extra == NULL) r = -1;
        }
    }
    if (r == 1) r = convert_and_run(self, &self->gtree, leaves, extra, out);
done:
    Py_XDECREF(suffix);
    Py_XDECREF(statics);
    Py_XDECREF(dyn_args);
    Py_XDECREF(dyn_kwargs);
    Py_XDECREF(keys);
    Py_XDECREF(obj);
    Py_XDECREF(leaves);
    Py_XDECREF(extra);
    if (r < 0) { *out = NULL; return 1; }
    return r;
}

/* An eager call of the `n` positional arguments `argv` (the items of `args`, or NULL: the
 * tuple is made only where a table needs it). 1: ran (result in *out, NULL on error); 0: not
 * a fast call (nothing raised). */
static int try_fast(Dispatcher *self, PyObject *const *argv, Py_ssize_t n, PyObject *args,
                    PyObject **out) {
    if (n == 0) return 0;
    int arrays = 1, containers = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *a = argv[i];
        if (Py_TYPE(a) == array_type) continue;
        arrays = 0;
        if (is_container(a)) { containers = 1; break; }
    }
    if (arrays) return run_leaves(&self->flat, argv, n, NULL, NULL, out);

    PyObject *tuple = args, *leaves = NULL;
    if (tuple == NULL) {
        tuple = PyTuple_New(n);
        if (tuple == NULL) { *out = NULL; return 1; }
        for (Py_ssize_t i = 0; i < n; i++) {
            Py_INCREF(argv[i]);
            PyTuple_SET_ITEM(tuple, i, argv[i]);
        }
    } else {
        Py_INCREF(tuple);
    }
    Table *table = &self->flat;
    PyObject *suffix = NULL;
    int r;
    if (!containers) { /* every argument a leaf: the flat table */
        leaves = tuple;
        Py_INCREF(leaves);
        r = 1;
    } else {
        table = &self->tree;
        r = match_shapes(tuple, self->shape, &leaves, &suffix);
    }
    if (r == 1) r = convert_and_run(self, table, leaves, suffix, out);
    Py_XDECREF(suffix);
    Py_XDECREF(leaves);
    Py_DECREF(tuple);
    if (r < 0) { *out = NULL; return 1; }
    return r;
}

static PyObject *dispatcher_call(PyObject *op, PyObject *args, PyObject *kwargs) {
    Dispatcher *self = (Dispatcher *)op;
    int plain = self->plain && (kwargs == NULL || PyDict_GET_SIZE(kwargs) == 0);
    if (array_type != NULL && (plain || self->split != Py_None)) {
        /* (under a transformation the call is staged, and with jit disabled the function is
         * called: slow) */
        int eager = SLOT(state, off_disable_jit) == Py_True ? 0 : is_eager();
        if (eager < 0) return NULL;
        PyObject *out;
        if (eager && (plain ? try_fast(self, &PyTuple_GET_ITEM(args, 0), PyTuple_GET_SIZE(args),
                                       args, &out)
                            : try_general(self, args, kwargs, &out)))
            return out;
    }
    return slow(self, args, kwargs);
}

/* The vectorcall of a Dispatcher: positional calls without a tuple; calls with keywords
 * as dispatcher_call. */
static PyObject *dispatcher_vectorcall(PyObject *op, PyObject *const *argv, size_t nargsf,
                                       PyObject *kwnames) {
    Dispatcher *self = (Dispatcher *)op;
    Py_ssize_t n = PyVectorcall_NARGS(nargsf);
    if (kwnames == NULL || PyTuple_GET_SIZE(kwnames) == 0) {
        if (array_type != NULL && self->plain) {
            int eager = SLOT(state, off_disable_jit) == Py_True ? 0 : is_eager();
            if (eager < 0) return NULL;
            PyObject *out;
            if (eager && try_fast(self, argv, n, NULL, &out)) return out;
            PyObject *meth = PyObject_GetAttr(op, str_call_slow);
            if (meth == NULL) return NULL;
            out = PyObject_Vectorcall(meth, argv, n, NULL);
            Py_DECREF(meth);
            return out;
        }
        kwnames = NULL;
    }
    PyObject *args = PyTuple_New(n), *kwargs = NULL, *out = NULL;
    if (args == NULL) return NULL;
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_INCREF(argv[i]);
        PyTuple_SET_ITEM(args, i, argv[i]);
    }
    if (kwnames != NULL) {
        kwargs = PyDict_New();
        if (kwargs == NULL) goto done;
        for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(kwnames); i++) {
            if (PyDict_SetItem(kwargs, PyTuple_GET_ITEM(kwnames, i), argv[n + i]) < 0)
                goto done;
        }
    }
    out = dispatcher_call(op, args, kwargs);
done:
    Py_DECREF(args);
    Py_XDECREF(kwargs);
    return out;
}

static PyObject *dispatcher_new(PyTypeObject *type, PyObject *args, PyObject *kwargs) {
    (void)args;
    (void)kwargs;
    Dispatcher *self = (Dispatcher *)type->tp_alloc(type, 0);
    if (self == NULL) return NULL;
    self->flat.entries = PyDict_New();
    self->tree.entries = PyDict_New();
    self->gtree.entries = PyDict_New();
    if (self->flat.entries == NULL || self->tree.entries == NULL || self->gtree.entries == NULL) {
        Py_DECREF(self);
        return NULL;
    }
    PyObject **nones[4] = {&self->shape, &self->convert, &self->split, &self->gshape};
    for (int i = 0; i < 4; i++) {
        Py_INCREF(Py_None);
        *nones[i] = Py_None;
    }
    self->plain = 0;
    self->vectorcall = dispatcher_vectorcall;
    /* Python 3.11 does not pass the vectorcall flag on to a Python subclass; 3.12 does, where
     * the subclass keeps the base's __call__ (as JitFunction does). */
    if (type->tp_call == dispatcher_call && !PyType_HasFeature(type, Py_TPFLAGS_HAVE_VECTORCALL))
        type->tp_flags |= Py_TPFLAGS_HAVE_VECTORCALL;
    return (PyObject *)self;
}

static int dispatcher_traverse(PyObject *op, visitproc visit, void *arg) {
    Dispatcher *self = (Dispatcher *)op;
    Py_VISIT(Py_TYPE(op));
    Table *tables[3] = {&self->flat, &self->tree, &self->gtree};
    for (int i = 0; i < 3; i++) {
        Py_VISIT(tables[i]->entries);
        Py_VISIT(tables[i]->last_key);
        Py_VISIT(tables[i]->last_entry);
    }
    Py_VISIT(self->shape);
    Py_VISIT(self->convert);
    Py_VISIT(self->split);
    Py_VISIT(self->gshape);
    return 0;
}

static void forget(Dispatcher *self) {
    Py_CLEAR(self->flat.last_key);
    Py_CLEAR(self->flat.last_entry);
    Py_CLEAR(self->tree.last_key);
    Py_CLEAR(self->tree.last_entry);
    Py_CLEAR(self->gtree.last_key);
    Py_CLEAR(self->gtree.last_entry);
}

static int dispatcher_clear(PyObject *op) {
    Dispatcher *self = (Dispatcher *)op;
    forget(self);
    Py_CLEAR(self->flat.entries);
    Py_CLEAR(self->tree.entries);
    Py_CLEAR(self->gtree.entries);
    Py_CLEAR(self->shape);
    Py_CLEAR(self->convert);
    Py_CLEAR(self->split);
    Py_CLEAR(self->gshape);
    return 0;
}

static void dispatcher_dealloc(PyObject *op) {
    PyTypeObject *tp = Py_TYPE(op);
    PyObject_GC_UnTrack(op);
    dispatcher_clear(op);
    tp->tp_free(op);
    Py_DECREF(tp);
}

static PyObject *dispatcher_forget(PyObject *op, PyObject *unused) {
    (void)unused;
    forget((Dispatcher *)op);
    Py_RETURN_NONE;
}

static PyMethodDef dispatcher_methods[] = {
    {"_forget", dispatcher_forget, METH_NOARGS,
     "Drop the remembered last hits (call after changing a fast table)."},
    {NULL, NULL, 0, NULL}};

static PyMemberDef dispatcher_members[] = {
    {"_fast_c", T_OBJECT_EX, offsetof(Dispatcher, flat.entries), 0,
     "The fast table of all-Array calls: argument avals -> (x64, launch, collect, handlers, "
     "consts, device, out_avals, single, build)."},
    {"_tree_fast_c", T_OBJECT_EX, offsetof(Dispatcher, tree.entries), 0,
     "The fast table of calls of the structures `_tree_c`: leaf avals + the structure's key "
     "suffix -> entry (as _fast_c)."},
    {"_tree_c", T_OBJECT_EX, offsetof(Dispatcher, shape), 0,
     "The argument structures served, tried in order: a tuple of (codegen.describe of the "
     "arguments' treedef, number of leaves, key suffix tuple), or None."},
    {"_split_c", T_OBJECT_EX, offsetof(Dispatcher, split), 0,
     "(static positions, static names) for calls with keyword, static or donated arguments."},
    {"_gtree_c", T_OBJECT_EX, offsetof(Dispatcher, gshape), 0,
     "As _tree_c, of the (dynamic args, dynamic kwargs) treedefs, or None."},
    {"_gtree_fast_c", T_OBJECT_EX, offsetof(Dispatcher, gtree.entries), 0,
     "The fast table of those calls: leaf avals + static values + key suffix -> entry."},
    {"_convert_c", T_OBJECT_EX, offsetof(Dispatcher, convert), 0,
     "convert(leaf) -> (aval, device buffer), or None where the fast path does not take it."},
    {"_plain_c", T_BOOL, offsetof(Dispatcher, plain), 0,
     "Whether calls may take the fast tables (nothing static or donated)."},
    {"__vectorcalloffset__", T_PYSSIZET, offsetof(Dispatcher, vectorcall), READONLY, NULL},
    {NULL}};

static PyType_Slot dispatcher_slots[] = {
    {Py_tp_doc, "The C base of JitFunction: its call runs compiled signatures directly."},
    {Py_tp_new, dispatcher_new},
    {Py_tp_call, dispatcher_call},
    {Py_tp_traverse, dispatcher_traverse},
    {Py_tp_clear, dispatcher_clear},
    {Py_tp_dealloc, dispatcher_dealloc},
    {Py_tp_members, dispatcher_members},
    {Py_tp_methods, dispatcher_methods},
    {0, NULL}};

static PyType_Spec dispatcher_spec = {
    "pullback_compile._cdispatch.Dispatcher", sizeof(Dispatcher), 0,
    Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_HAVE_VECTORCALL,
    dispatcher_slots};

static int member_offset(PyObject *descr, const char *name, Py_ssize_t *off) {
    if (!Py_IS_TYPE(descr, &PyMemberDescr_Type)) {
        PyErr_Format(PyExc_TypeError, "configure: %s is not a slot descriptor", name);
        return -1;
    }
    PyMemberDef *m = ((PyMemberDescrObject *)descr)->d_member;
    if (m->type != T_OBJECT_EX && m->type != T_OBJECT) {
        PyErr_Format(PyExc_TypeError, "configure: %s is not an object slot", name);
        return -1;
    }
    *off = m->offset;
    return 0;
}

static PyObject *configure(PyObject *module, PyObject *args) {
    (void)module;
    PyObject *arr, *ctx, *ev, *st, *d_aval, *d_host, *d_buf, *d_device, *d_owned, *d_deleted,
        *d_replicas;
    if (!PyArg_ParseTuple(args, "O!OOOOOOOOOO", &PyType_Type, &arr, &ctx, &ev, &st, &d_aval,
                          &d_host, &d_buf, &d_device, &d_owned, &d_deleted, &d_replicas))
        return NULL;
    if (member_offset(d_aval, "_aval", &off_aval) || member_offset(d_host, "_host", &off_host) ||
        member_offset(d_buf, "_buf", &off_buf) ||
        member_offset(d_device, "_device", &off_device) ||
        member_offset(d_owned, "_owned", &off_owned) ||
        member_offset(d_deleted, "_deleted", &off_deleted) ||
        member_offset(d_replicas, "_replicas", &off_replicas))
        return NULL;
    PyObject *d_x64 = PyObject_GetAttr((PyObject *)Py_TYPE(st), str_x64);
    if (d_x64 == NULL) return NULL;
    int bad = member_offset(d_x64, "x64", &off_x64);
    Py_DECREF(d_x64);
    if (bad) return NULL;
    PyObject *d_off = PyObject_GetAttrString((PyObject *)Py_TYPE(st), "disable_jit");
    if (d_off == NULL) return NULL;
    bad = member_offset(d_off, "disable_jit", &off_disable_jit);
    Py_DECREF(d_off);
    if (bad) return NULL;
    Py_INCREF(arr);
    Py_XSETREF(array_type, (PyTypeObject *)arr);
    Py_INCREF(ctx);
    Py_XSETREF(context, ctx);
    Py_CLEAR(context_dict); /* (the dict of another context) */
    Py_INCREF(ev);
    Py_XSETREF(eval_trace, ev);
    Py_INCREF(st);
    Py_XSETREF(state, st);
    Py_RETURN_NONE;
}


/* --- eager binary operators of Array ------------------------------------------------------
 *
 * `BinaryOp(ufunc, reflected, fallback)` is a method descriptor set as `Array.__add__` and
 * the like. A call on two host-backed Arrays of one aval (or a strong float Array and a
 * Python float or int), with nothing traced, runs the NumPy ufunc here and wraps its result;
 * every other call goes to `fallback(self, other)`, the Python operator, which does the same
 * in general. `configure_ops` gives it what it reads once. */

typedef struct {
    PyObject_HEAD
    PyObject *ufunc;
    PyObject *fallback;
    int reflected;
    vectorcallfunc vectorcall;
} BinaryOp;

static PyTypeObject *ndarray_type = NULL;
static PyObject *float_dtypes = NULL; /* frozenset of the float dtypes of the fast path */
static PyObject *result_aval = NULL;  /* result_aval(out, self_aval, other_aval) */
static Py_ssize_t off_aval_dtype, off_aval_weak;
static PyObject *str_dtype;

static PyObject *host_result(PyObject *self, PyObject *out, PyObject *sa, PyObject *oa) {
    /* Wrap the ufunc result `out` (a new reference, consumed) as an Array next to self. */
    if (Py_TYPE(out) != ndarray_type) { /* a NumPy scalar from 0-d operands: let Python wrap */
        Py_DECREF(out);
        return NULL;
    }
    PyObject *dt = PyObject_GetAttr(out, str_dtype);
    if (dt == NULL) { Py_DECREF(out); return NULL; }
    Py_DECREF(dt); /* (compared by identity only; the array keeps it alive) */
    PyObject *aval;
    if (dt == SLOT(sa, off_aval_dtype) && (sa == oa || SLOT(sa, off_aval_weak) == Py_False)) {
        aval = sa;
        Py_INCREF(aval);
    } else {
        aval = PyObject_CallFunctionObjArgs(result_aval, out, sa, oa, NULL);
        if (aval == NULL) { Py_DECREF(out); return NULL; }
    }
    PyObject *a = new_array(aval, out, Py_None, SLOT(self, off_device));
    Py_DECREF(out);
    Py_DECREF(aval);
    return a;
}

static PyObject *binary_vectorcall(PyObject *op, PyObject *const *args, size_t nargsf,
                                   PyObject *kwnames) {
    BinaryOp *bop = (BinaryOp *)op;
    Py_ssize_t nargs = PyVectorcall_NARGS(nargsf);
    if (nargs != 2 || kwnames != NULL || array_type == NULL || ndarray_type == NULL)
        return PyObject_Vectorcall(bop->fallback, args, nargsf, kwnames);
    PyObject *self = args[0], *other = args[1];
    PyObject *sa, *x, *rep, *oa, *y;
    if (Py_TYPE(self) != array_type || (sa = SLOT(self, off_aval)) == NULL ||
        (x = SLOT(self, off_host)) == NULL || x == Py_None ||
        ((rep = SLOT(self, off_replicas)) != NULL && rep != Py_None))
        goto fallback;
    PyTypeObject *ot = Py_TYPE(other);
    if (ot == array_type) {
        oa = SLOT(other, off_aval);
        y = SLOT(other, off_host);
        if (oa != sa || y == NULL || y == Py_None) goto fallback;
    } else if (ot == &PyFloat_Type || ot == &PyLong_Type) {
        if (SLOT(sa, off_aval_weak) != Py_False) goto fallback;
        int is_float = PySet_Contains(float_dtypes, SLOT(sa, off_aval_dtype));
        if (is_float < 0) return NULL;
        if (!is_float) goto fallback;
        oa = sa;
        y = other;
    } else {
        goto fallback;
    }
    int eager = is_eager();
    if (eager < 0) return NULL;
    if (!eager) goto fallback;
    PyObject *operands[2] = {bop->reflected ? y : x, bop->reflected ? x : y};
    PyObject *out = PyObject_Vectorcall(bop->ufunc, operands, 2, NULL);
    if (out == NULL) return NULL;
    PyObject *res = host_result(self, out, sa, oa);
    if (res != NULL || PyErr_Occurred()) return res;
fallback:
    return PyObject_Vectorcall(bop->fallback, args, nargsf, kwnames);
}

static PyObject *binary_new(PyTypeObject *type, PyObject *args, PyObject *kwargs) {
    PyObject *ufunc, *fallback;
    int reflected;
    static char *kw[] = {"ufunc", "reflected", "fallback", NULL};
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "OpO", kw, &ufunc, &reflected, &fallback))
        return NULL;
    BinaryOp *self = (BinaryOp *)type->tp_alloc(type, 0);
    if (self == NULL) return NULL;
    Py_INCREF(ufunc);
    self->ufunc = ufunc;
    Py_INCREF(fallback);
    self->fallback = fallback;
    self->reflected = reflected;
    self->vectorcall = binary_vectorcall;
    return (PyObject *)self;
}

static PyObject *binary_get(PyObject *op, PyObject *obj, PyObject *type) {
    (void)type;
    if (obj == NULL || obj == Py_None) {
        Py_INCREF(op);
        return op;
    }
    return PyMethod_New(op, obj);
}

static int binary_traverse(PyObject *op, visitproc visit, void *arg) {
    BinaryOp *self = (BinaryOp *)op;
    Py_VISIT(Py_TYPE(op));
    Py_VISIT(self->ufunc);
    Py_VISIT(self->fallback);
    return 0;
}

static int binary_clear(PyObject *op) {
    BinaryOp *self = (BinaryOp *)op;
    Py_CLEAR(self->ufunc);
    Py_CLEAR(self->fallback);
    return 0;
}

static void binary_dealloc(PyObject *op) {
    PyTypeObject *tp = Py_TYPE(op);
    PyObject_GC_UnTrack(op);
    binary_clear(op);
    tp->tp_free(op);
    Py_DECREF(tp);
}

static PyMemberDef binary_members[] = {
    {"__vectorcalloffset__", T_PYSSIZET, offsetof(BinaryOp, vectorcall), READONLY, NULL},
    {"__wrapped__", T_OBJECT_EX, offsetof(BinaryOp, fallback), READONLY,
     "The Python operator every other call goes to."},
    {NULL}};

static PyType_Slot binary_slots[] = {
    {Py_tp_doc, "An Array binary operator: NumPy directly on host values, else the fallback."},
    {Py_tp_new, binary_new},
    {Py_tp_call, PyVectorcall_Call},
    {Py_tp_descr_get, binary_get},
    {Py_tp_traverse, binary_traverse},
    {Py_tp_clear, binary_clear},
    {Py_tp_dealloc, binary_dealloc},
    {Py_tp_members, binary_members},
    {0, NULL}};

static PyType_Spec binary_spec = {
    "pullback_compile._cdispatch.BinaryOp", sizeof(BinaryOp), 0,
    Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_HAVE_VECTORCALL |
        Py_TPFLAGS_METHOD_DESCRIPTOR,
    binary_slots};

static PyObject *configure_ops(PyObject *module, PyObject *args) {
    (void)module;
    PyObject *nd, *d_dtype, *d_weak, *floats, *ra;
    if (!PyArg_ParseTuple(args, "O!OOO!O", &PyType_Type, &nd, &d_dtype, &d_weak,
                          &PyFrozenSet_Type, &floats, &ra))
        return NULL;
    if (member_offset(d_dtype, "dtype", &off_aval_dtype) ||
        member_offset(d_weak, "weak_type", &off_aval_weak))
        return NULL;
    Py_INCREF(nd);
    Py_XSETREF(ndarray_type, (PyTypeObject *)nd);
    Py_INCREF(floats);
    Py_XSETREF(float_dtypes, floats);
    Py_INCREF(ra);
    Py_XSETREF(result_aval, ra);
    Py_RETURN_NONE;
}

static PyMethodDef module_methods[] = {
    {"configure", configure, METH_VARARGS,
     "configure(Array, CONTEXT, EvalTrace, STATE, *slot_descriptors): set once at import."},
    {"configure_ops", configure_ops, METH_VARARGS,
     "configure_ops(ndarray, dtype_slot, weak_type_slot, float_dtypes, result_aval)."},
    {NULL, NULL, 0, NULL}};

static int module_exec(PyObject *module) {
    str_trace = PyUnicode_InternFromString("trace");
    str_x64 = PyUnicode_InternFromString("x64");
    str_buffer_on = PyUnicode_InternFromString("_buffer_on");
    str_call_slow = PyUnicode_InternFromString("_call_slow");
    str_dtype = PyUnicode_InternFromString("dtype");
    empty_dict = PyDict_New();
    if (!str_trace || !str_x64 || !str_buffer_on || !str_call_slow || !str_dtype || !empty_dict)
        return -1;
    PyObject *btype = PyType_FromModuleAndSpec(module, &binary_spec, NULL);
    if (btype == NULL) return -1;
    if (PyModule_AddObject(module, "BinaryOp", btype) < 0) {
        Py_DECREF(btype);
        return -1;
    }
    PyObject *type = PyType_FromModuleAndSpec(module, &dispatcher_spec, NULL);
    if (type == NULL) return -1;
    if (PyModule_AddObject(module, "Dispatcher", type) < 0) {
        Py_DECREF(type);
        return -1;
    }
    return 0;
}

static PyModuleDef_Slot module_slots[] = {{Py_mod_exec, module_exec}, {0, NULL}};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT, "_cdispatch",
    "The C hot path of jit calls (see _cdispatch.c); jit.py has a pure-Python equivalent.",
    0, module_methods, module_slots, NULL, NULL, NULL};

PyMODINIT_FUNC PyInit__cdispatch(void) { return PyModuleDef_Init(&module_def); }
