/*
 * Reference placement for Benchmarks/scale/run.sh: first fit decreasing of vectors over a
 * max-residual segment tree, in C, timed alone (reading excluded).
 *
 * Input (little-endian, written by extract.py from a snapshot):
 *   int32 H, int32 V, int32 R,
 *   int64 limit[H][R]   (capacity x maxUtilization of each receiving host, milli-units),
 *   int64 demand[V][R]  (each powered-on VM, milli-units).
 * Items are sorted by decreasing L2 norm of the demand normalised by the average host limit
 * (ties: input order), as OpenDRS's ffd-l2 sizes them; each goes to the first host, in input
 * order, with room in every resource. The tree keeps, per node and resource, the largest
 * residual below it: a subtree is entered only when each of its maxima covers the demand (a
 * necessary test: the maxima may come from different hosts, so the descent can backtrack).
 * As in OpenDRS's ResidualIndex, that descent gets a budget of 96 node visits; past it, the
 * item goes to the first host whose smallest normalised residual covers the item's largest
 * normalised demand (a sufficient test, kept as a second max-tree, no backtracking), and only
 * when there is none does an unbounded descent decide. O(V log V + V R log H) typical.
 *
 * Prints: placed=N unplaced=M seconds=S (CPU seconds of sort + placement, clock_gettime
 * CLOCK_PROCESS_CPUTIME_ID).
 * Build: cc -O2 -o ffd_ref ffd_ref.c -lm
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static int H, V, R, leaves, budget;
static int64_t *limit, *demand, *tree;
static double *size, *sure, *normalizer;

static double cpu_seconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static int by_size(const void *a, const void *b) {
    int i = *(const int *)a, j = *(const int *)b;
    if (size[i] > size[j]) return -1;
    if (size[i] < size[j]) return 1;
    return i - j;
}

/* tree[node * R + r]: largest residual of resource r among the hosts below node; sure[node]:
 * largest m(h) = min over r of residual(h, r) x normalizer(r) below it. Leaves start at index
 * `leaves` (a power of two); padding leaves hold -1. */
static double smallest(int leaf) {
    double m = INFINITY;
    for (int r = 0; r < R; r++) {
        double x = (double)tree[(int64_t)leaf * R + r] * normalizer[r];
        if (x < m) m = x;
    }
    return m;
}

static void pull(int n) {
    for (int r = 0; r < R; r++) {
        int64_t a = tree[(int64_t)2 * n * R + r], b = tree[(int64_t)(2 * n + 1) * R + r];
        tree[(int64_t)n * R + r] = a > b ? a : b;
    }
    sure[n] = sure[2 * n] > sure[2 * n + 1] ? sure[2 * n] : sure[2 * n + 1];
}

static void build(void) {
    for (int n = 0; n < 2 * leaves; n++) {
        for (int r = 0; r < R; r++) tree[(int64_t)n * R + r] = -1;
        sure[n] = -INFINITY;
    }
    for (int h = 0; h < H; h++) {
        for (int r = 0; r < R; r++) tree[(int64_t)(leaves + h) * R + r] = limit[(int64_t)h * R + r];
        sure[leaves + h] = smallest(leaves + h);
    }
    for (int n = leaves - 1; n >= 1; n--) pull(n);
}

static int covers(int node, const int64_t *d) {
    const int64_t *m = tree + (int64_t)node * R;
    for (int r = 0; r < R; r++)
        if (m[r] < d[r]) return 0;
    return 1;
}

/* The first leaf below `node` whose residual covers d, or -1; -2 when the budget (node
 * visits; negative: none) ran out first. */
static int first_fit(int node, const int64_t *d) {
    if (budget == 0) return -2;
    if (budget > 0) budget--;
    if (!covers(node, d)) return -1;
    if (node >= leaves) return node;
    int found = first_fit(2 * node, d);
    return found != -1 ? found : first_fit(2 * node + 1, d);
}

/* The first leaf with m(h) >= need (sure to fit), or -1. */
static int first_sure(double need) {
    if (sure[1] < need) return -1;
    int n = 1;
    while (n < leaves) n = sure[2 * n] >= need ? 2 * n : 2 * n + 1;
    return n;
}

static int place(const int64_t *d) {
    budget = 96;
    int leaf = first_fit(1, d);
    if (leaf != -2) return leaf;
    double need = 0;
    for (int r = 0; r < R; r++) {
        double x = (double)d[r] * normalizer[r];
        if (x > need) need = x;
    }
    leaf = first_sure(need);
    if (leaf >= 0) return leaf;
    budget = -1;
    return first_fit(1, d);
}

static void take(int leaf, const int64_t *d) {
    for (int r = 0; r < R; r++) tree[(int64_t)leaf * R + r] -= d[r];
    sure[leaf] = smallest(leaf);
    for (int n = leaf / 2; n >= 1; n /= 2) pull(n);
}

static void read_exactly(FILE *f, void *p, size_t bytes) {
    if (fread(p, 1, bytes, f) != bytes) {
        fprintf(stderr, "ffd_ref: short input\n");
        exit(2);
    }
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: ffd_ref INSTANCE.bin\n");
        return 2;
    }
    FILE *f = fopen(argv[1], "rb");
    if (!f) {
        perror(argv[1]);
        return 2;
    }
    int32_t header[3];
    read_exactly(f, header, sizeof header);
    H = header[0], V = header[1], R = header[2];
    limit = malloc(sizeof(int64_t) * (size_t)H * R);
    demand = malloc(sizeof(int64_t) * (size_t)V * R);
    read_exactly(f, limit, sizeof(int64_t) * (size_t)H * R);
    read_exactly(f, demand, sizeof(int64_t) * (size_t)V * R);
    fclose(f);
    for (leaves = 1; leaves < H; leaves *= 2) {}
    tree = malloc(sizeof(int64_t) * 2 * (size_t)leaves * R);
    sure = malloc(sizeof(double) * 2 * (size_t)leaves);
    size = malloc(sizeof(double) * (size_t)V);
    int *order = malloc(sizeof(int) * (size_t)V);

    double start = cpu_seconds();
    normalizer = calloc((size_t)R, sizeof(double));
    for (int h = 0; h < H; h++)
        for (int r = 0; r < R; r++) normalizer[r] += (double)limit[(int64_t)h * R + r];
    for (int r = 0; r < R; r++) normalizer[r] = normalizer[r] > 0 ? H / normalizer[r] : 0;
    for (int v = 0; v < V; v++) {
        double s = 0;
        for (int r = 0; r < R; r++) {
            double x = (double)demand[(int64_t)v * R + r] * normalizer[r];
            s += x * x;
        }
        size[v] = sqrt(s);
        order[v] = v;
    }
    qsort(order, (size_t)V, sizeof(int), by_size);
    build();
    int placed = 0;
    for (int k = 0; k < V; k++) {
        const int64_t *d = demand + (int64_t)order[k] * R;
        int leaf = place(d);
        if (leaf >= 0) {
            take(leaf, d);
            placed++;
        }
    }
    double seconds = cpu_seconds() - start;
    printf("placed=%d unplaced=%d seconds=%.6f\n", placed, V - placed, seconds);
    return 0;
}
