/* graphviz-ad explorer: the page's runtime (array helpers and the primitives' forward
   functions, R.fn), its passes (evaluate, forward, reverse, driven by the rule functions
   compiled from graphviz_ad/core/ops.py into RULES) and the page itself.  No network. */
"use strict";

var R = (function () {
  function isArr(x) { return typeof x === "object" && x !== null; }
  function shapeOf(x) { return isArr(x) ? x.shape : []; }
  function count(shape) { var n = 1; for (var i = 0; i < shape.length; i++) n *= shape[i]; return n; }
  function make(shape, data) { return shape.length === 0 ? data[0] : {shape: shape, data: data}; }
  function flat(x) { return isArr(x) ? x.data : new Float64Array([x]); }
  function fail(message) { throw new Error(message); }

  function bshape(s1, s2) {
    var n = Math.max(s1.length, s2.length), out = [];
    for (var i = 0; i < n; i++) {
      var a = i < n - s1.length ? 1 : s1[i - (n - s1.length)];
      var b = i < n - s2.length ? 1 : s2[i - (n - s2.length)];
      if (a !== b && a !== 1 && b !== 1) fail("shapes " + s1 + " and " + s2 + " do not broadcast");
      out.push(a === 1 ? b : a);
    }
    return out;
  }
  /* x's elements laid out over ``shape`` (numpy broadcasting, trailing axes aligned) */
  function broadcastData(x, shape) {
    var src = shapeOf(x), data = flat(x), total = count(shape);
    if (src.length === shape.length && count(src) === total) return data;
    var out = new Float64Array(total);
    if (data.length === 1) { out.fill(data[0]); return out; }
    var n = shape.length, off = n - src.length, strides = new Array(n).fill(0), s = 1;
    for (var k = src.length - 1; k >= 0; k--) {
      strides[k + off] = src[k] === 1 ? 0 : s; s *= src[k];
    }
    var idx = new Array(n).fill(0), pos = 0;
    for (var i = 0; i < total; i++) {
      out[i] = data[pos];
      for (var d = n - 1; d >= 0; d--) {
        idx[d]++; pos += strides[d];
        if (idx[d] < shape[d]) break;
        pos -= strides[d] * idx[d]; idx[d] = 0;
      }
    }
    return out;
  }
  function broadcastTo(x, shape) { return make(shape.slice(), broadcastData(x, shape)); }
  function map1(x, f) {
    if (!isArr(x)) return f(x);
    var out = new Float64Array(x.data.length);
    for (var i = 0; i < out.length; i++) out[i] = f(x.data[i]);
    return make(x.shape.slice(), out);
  }
  function map2(x, y, f) {
    if (!isArr(x) && !isArr(y)) return f(x, y);
    var shape = bshape(shapeOf(x), shapeOf(y));
    var a = broadcastData(x, shape), b = broadcastData(y, shape), out = new Float64Array(a.length);
    for (var i = 0; i < out.length; i++) out[i] = f(a[i], b[i]);
    return make(shape, out);
  }
  function reducedAxes(a, axis) {
    var n = shapeOf(a).length, out = [];
    if (axis === undefined || axis === null) { for (var i = 0; i < n; i++) out.push(i); return out; }
    if (n === 0) return [];
    var axes = Array.isArray(axis) ? axis : [axis];
    axes.forEach(function (k) {
      if (k < -n || k >= n) fail("axis " + k + " is out of range for an array with " + n + " axes");
      out.push(((k % n) + n) % n);
    });
    return out.sort(function (p, q) { return p - q; });
  }
  /* reduce ``a`` over ``axes`` with (init, combine); keep: size-1 axes stay */
  function reduce(a, axes, keep, init, combine) {
    var shape = shapeOf(a), data = flat(a), n = shape.length;
    var outShape = [], strides = new Array(n).fill(0), s = 1;
    for (var k = n - 1; k >= 0; k--) {
      if (axes.indexOf(k) < 0) { strides[k] = s; s *= shape[k]; }
    }
    for (k = 0; k < n; k++) {
      if (axes.indexOf(k) < 0) outShape.push(shape[k]); else if (keep) outShape.push(1);
    }
    var out = new Float64Array(count(outShape)).fill(init), idx = new Array(n).fill(0), pos = 0;
    for (var i = 0; i < data.length; i++) {
      out[pos] = combine(out[pos], data[i]);
      for (var d = n - 1; d >= 0; d--) {
        idx[d]++; pos += strides[d];
        if (idx[d] < shape[d]) break;
        pos -= strides[d] * idx[d]; idx[d] = 0;
      }
    }
    return make(outShape, out);
  }
  function add(p, q) { return p + q; }
  function sumAxes(a, axes, keep) { return reduce(a, axes, keep, 0, add); }
  function maxAxes(a, axes) {
    return reduce(a, axes, true, -Infinity, function (p, q) { return (p > q || p !== p) ? p : q; });
  }
  function reshape(x, shape) { return make(shape, flat(x)); }
  function expand(x, at) { var s = shapeOf(x).slice(); s.splice(at, 0, 1); return reshape(x, s); }
  function squeeze(x, at) { var s = shapeOf(x).slice(); s.splice(at, 1); return reshape(x, s); }
  function transpose(a) {
    var s = shapeOf(a), n = s.length;
    if (n < 2) return a;
    var r = s[n - 2], c = s[n - 1], block = r * c, batch = a.data.length / block;
    var out = new Float64Array(a.data.length);
    for (var b = 0; b < batch; b++)
      for (var i = 0; i < r; i++)
        for (var j = 0; j < c; j++) out[b * block + j * r + i] = a.data[b * block + i * c + j];
    var shape = s.slice(); shape[n - 2] = c; shape[n - 1] = r;
    return make(shape, out);
  }
  function matmul(a, b) {
    var sa = shapeOf(a), sb = shapeOf(b);
    if (sa.length === 0 || sb.length === 0) fail("matmul of a scalar: use * to scale");
    var A = sa.length === 1 ? reshape(a, [1, sa[0]]) : a, B = sb.length === 1 ? reshape(b, [sb[0], 1]) : b;
    var ta = A.shape, tb = B.shape, m = ta[ta.length - 2], k = ta[ta.length - 1];
    var k2 = tb[tb.length - 2], n = tb[tb.length - 1];
    if (k !== k2) fail("matmul: inner sizes differ (" + k + " and " + k2 + ")");
    var batch = bshape(ta.slice(0, -2), tb.slice(0, -2)), nb = count(batch);
    var ad = broadcastData(A, batch.concat([m, k])), bd = broadcastData(B, batch.concat([k, n]));
    var out = new Float64Array(nb * m * n);
    for (var q = 0; q < nb; q++)
      for (var i = 0; i < m; i++)
        for (var j = 0; j < n; j++) {
          var t = 0;
          for (var l = 0; l < k; l++) t += ad[q * m * k + i * k + l] * bd[q * k * n + l * n + j];
          out[q * m * n + i * n + j] = t;
        }
    var shape = batch.concat(sa.length === 1 ? [] : [m], sb.length === 1 ? [] : [n]);
    return make(shape, out);
  }
  function fit(value, like) {
    var shape = shapeOf(like), vs = shapeOf(value);
    if (vs.length === shape.length && vs.every(function (s, i) { return s === shape[i]; })) return value;
    while (shapeOf(value).length > shape.length) value = sumAxes(value, [0], false);
    var offset = shape.length - shapeOf(value).length;
    for (var axis = 0; axis < shapeOf(value).length; axis++) {
      if (shape[axis + offset] === 1 && shapeOf(value)[axis] !== 1) value = sumAxes(value, [axis], true);
    }
    return broadcastTo(value, shape);
  }
  function position(a, b) {
    var n = shapeOf(a)[0], i = Math.trunc(b);
    if (shapeOf(a).length === 0) fail("cannot index a scalar");
    if (i < -n || i >= n) fail("index " + i + " is out of range for length " + n);
    return i < 0 ? i + n : i;
  }
  function spread(g, a, p) {
    var axes = reducedAxes(a, p.axis), shape = shapeOf(a);
    if (!axes.length) return g;
    var kept = shape.filter(function (s, k) { return axes.indexOf(k) < 0; });
    var G = broadcastTo(g, kept), s = shapeOf(G).slice();
    axes.forEach(function (k) { s.splice(k, 0, 1); });
    return broadcastTo(reshape(G, s), shape);
  }
  function sigmoid(x) { var e = Math.exp(-Math.abs(x)); return x >= 0 ? 1 / (1 + e) : e / (1 + e); }
  function softplus(x) {
    if (x === 0) return Math.LN2;
    var t = -x;
    if (t > 0) return Math.log1p(Math.exp(-t));
    if (t <= 0) return x + Math.log1p(Math.exp(t));
    return NaN;
  }
  function step(x) { return x > 0 ? 1 : (x <= 0 ? 0 : NaN); }
  function elementwise1(f) { return function (a) { return map1(a, f); }; }
  function elementwise2(f) { return function (a, b) { return map2(a, b, f); }; }
  var mul = elementwise2(function (x, y) { return x * y; });

  var fn = {
    add: elementwise2(function (x, y) { return x + y; }),
    sub: elementwise2(function (x, y) { return x - y; }),
    mul: mul, hadamard: mul, targets_times: mul,
    div: elementwise2(function (x, y) { return x / y; }),
    pow: elementwise2(Math.pow),
    max: elementwise2(function (x, y) { return (x !== x || y !== y) ? NaN : Math.max(x, y); }),
    min: elementwise2(function (x, y) { return (x !== x || y !== y) ? NaN : Math.min(x, y); }),
    neg: elementwise1(function (x) { return -x; }),
    id: function (a) { return a; },
    exp: elementwise1(Math.exp), log: elementwise1(Math.log), sin: elementwise1(Math.sin),
    cos: elementwise1(Math.cos), tan: elementwise1(Math.tan), tanh: elementwise1(Math.tanh),
    sqrt: elementwise1(Math.sqrt), abs: elementwise1(Math.abs), sigmoid: elementwise1(sigmoid),
    relu: elementwise1(function (x) { return x !== x ? NaN : Math.max(x, 0); }),
    softplus: elementwise1(softplus), square: elementwise1(function (x) { return x * x; }),
    sign: elementwise1(Math.sign), step: elementwise1(step),
    index: function (a, b) {
      var i = position(a, b), inner = a.shape.slice(1), n = count(inner);
      return make(inner, a.data.slice(i * n, (i + 1) * n));
    },
    onehot: function (a, b) {
      var i = position(a, b), n = count(a.shape.slice(1)), out = new Float64Array(a.data.length);
      out.fill(1, i * n, (i + 1) * n);
      return make(a.shape.slice(), out);
    },
    sum: function (a, p) { var axes = reducedAxes(a, p.axis); return axes.length ? sumAxes(a, axes, false) : a; },
    mean: function (a, p) {
      var axes = reducedAxes(a, p.axis);
      if (!axes.length) return a;
      var n = axes.reduce(function (t, k) { return t * a.shape[k]; }, 1);
      return map1(sumAxes(a, axes, false), function (x) { return x / n; });
    },
    size: function (a, p) {
      var axes = reducedAxes(a, p.axis);
      return axes.reduce(function (t, k) { return t * a.shape[k]; }, 1);
    },
    dot: function (a, b) {
      if (shapeOf(a).length !== 1 || shapeOf(b).length !== 1) fail("dot takes two vectors");
      if (a.data.length !== b.data.length) fail("dot: lengths differ");
      var t = 0;
      for (var i = 0; i < a.data.length; i++) t += a.data[i] * b.data[i];
      return t;
    },
    matmul: matmul, transpose: transpose,
    outer: function (a, b) {
      var n = a.data.length, m = b.data.length, out = new Float64Array(n * m);
      for (var i = 0; i < n; i++) for (var j = 0; j < m; j++) out[i * m + j] = a.data[i] * b.data[j];
      return make([n, m], out);
    },
    row: function (v, like) { return shapeOf(like).length === 1 ? expand(v, shapeOf(v).length - 1) : v; },
    unrow: function (v, like) { return shapeOf(like).length === 1 ? squeeze(v, shapeOf(v).length - 2) : v; },
    col: function (v, like) { return shapeOf(like).length === 1 ? expand(v, shapeOf(v).length) : v; },
    uncol: function (v, like) { return shapeOf(like).length === 1 ? squeeze(v, shapeOf(v).length - 1) : v; },
    spread: spread,
    logsumexp: function (a, p) {
      var axes = reducedAxes(a, p.axis);
      if (!axes.length) return a;
      var m = map1(maxAxes(a, axes), function (x) { return isFinite(x) ? x : 0; });
      var shifted = map2(a, m, function (x, y) { return Math.exp(x - y); });
      var kept = sumAxes(shifted, axes, false);
      var safe = reshape(m, shapeOf(kept));
      return map2(safe, kept, function (s, t) { return s + Math.log(t); });
    },
    softmax: function (a, p) {
      var axes = reducedAxes(a, p.axis);
      if (!axes.length) return map1(a, function () { return 1; });
      var m = map1(maxAxes(a, axes), function (x) { return isFinite(x) ? x : 0; });
      var e = map2(a, m, function (x, y) { return Math.exp(x - y); });
      return map2(e, sumAxes(e, axes, true), function (x, t) { return x / t; });
    },
    sum_like: fit,
    amax: function (a, p) {
      var axes = reducedAxes(a, p.axis);
      if (!axes.length) return a;
      var kept = shapeOf(a).filter(function (s, k) { return axes.indexOf(k) < 0; });
      return reshape(maxAxes(a, axes), kept);
    },
    /* numpy's reshape (one -1 allowed): how JAX's keepdims broadcasts are written */
    reshape: function (a, p) {
      var shape = p.shape === undefined ? [-1] : (Array.isArray(p.shape) ? p.shape : [p.shape]);
      var size = count(shapeOf(a)), known = 1, free = 0;
      shape.forEach(function (n) { if (n === -1) free++; else known *= n; });
      if (free > 1 || (free ? size % known : known !== size)) fail("cannot reshape to " + shape);
      return make(shape.map(function (n) { return n === -1 ? size / known : n; }), flat(a));
    },
    reshape_like: function (v, like) {
      if (count(shapeOf(v)) !== count(shapeOf(like))) fail("reshape: sizes differ");
      return make(shapeOf(like).slice(), flat(v));
    },
    /* 1/k at each of the k maxima of a slice, 0 elsewhere (and where the maximum is NaN) */
    argmax_share: function (a, p) {
      var axes = reducedAxes(a, p.axis);
      if (!axes.length) return map1(a, function () { return 1; });
      var hits = map2(a, maxAxes(a, axes), function (x, m) { return x === m ? 1 : 0; });
      var counts = sumAxes(hits, axes, true);
      return map2(hits, counts, function (h, k) { return h / Math.max(k, 1); });
    }
  };
  function call(op, args, params) {
    var f = fn[op];
    if (!f) fail("no JavaScript for the primitive " + op);
    return f.apply(null, args.concat([params]));
  }
  function bind(e, list) {
    var out = {};
    list.forEach(function (item) {
      if (!item[2]) out[item[0]] = item[1];
      else if (item[1] in e) out[item[0]] = e[item[1]];
    });
    return out;
  }
  function ones(x) { return map1(x, function () { return 1; }); }
  function zeros(x) { return map1(x, function () { return 0; }); }
  function plus(x, y) { return map2(x, y, function (p, q) { return p + q; }); }
  return {fn: fn, call: call, bind: bind, fit: fit, ones: ones, zeros: zeros, plus: plus,
          map1: map1, map2: map2, isArr: isArr, shapeOf: shapeOf, make: make, flat: flat};
})();

/* -- the passes ------------------------------------------------------------------------ */
var AD = (function () {
  function env(model, values, n) {
    var node = model.nodes[n], e = {out: values[n]};
    node.operands.forEach(function (o, i) { e["ab"[i]] = values[o]; });
    Object.keys(node.params).forEach(function (k) { e[k] = node.params[k]; });
    return e;
  }
  /* every node's value; ``nudge`` = {node, index, h} adds h to one element of that node's
     value as soon as it is computed (how central differences probe an inner node) */
  function evaluate(model, inputs, nudge) {
    var values = {};
    model.order.forEach(function (n) {
      var node = model.nodes[n];
      if (node.op === "input") values[n] = inputs[n];
      else if (node.op === "const") values[n] = node.value;
      else values[n] = R.call(node.op, node.operands.map(function (o) { return values[o]; }), node.params);
      if (nudge && nudge.node === n) {
        var x = values[n];
        if (R.isArr(x)) {
          var d = Float64Array.from(x.data); d[nudge.index] += nudge.h;
          values[n] = R.make(x.shape.slice(), d);
        } else values[n] = x + nudge.h;
      }
    });
    return values;
  }
  /* the local derivative an edge shows: an elementwise op's partial (summed over the
     operand's positions), a linear map's pullback of ones */
  function local(model, values, n, positions) {
    var node = model.nodes[n], e = env(model, values, n), rules = RULES[node.op], total = null;
    positions.forEach(function (p) {
      var part;
      if (rules.partial) part = rules.partial[p](e);
      else { e.g = R.ones(values[n]); part = rules.vjp[p](e); }
      total = total === null ? part : R.plus(total, part);
    });
    return total;
  }
  function forward(model, values, wrt) {
    var tangents = {}, steps = {};
    tangents[wrt] = R.ones(values[wrt]);
    model.order.forEach(function (n) {
      var node = model.nodes[n];
      if (node.op === "input" || node.op === "const") return;
      var terms = [], total = null;
      model.nodes[n].groups.forEach(function (grp) {
        var source = grp[0], positions = grp[1];
        if (!(source in tangents)) return;
        var e = env(model, values, n), product = null;
        positions.forEach(function (p) {
          e["d" + "ab"[p]] = tangents[source];
          var part = RULES[node.op].jvp[p](e);
          product = product === null ? part : R.plus(product, part);
        });
        product = R.fit(product, values[n]);
        terms.push({source: source, target: n, positions: positions, carried: tangents[source], product: product});
        total = total === null ? product : R.plus(total, product);
      });
      if (total !== null) tangents[n] = total;
      steps[n] = terms;
    });
    return {numbers: tangents, terms: steps};
  }
  function reverse(model, values, of, needed) {
    var adjoints = {}, steps = {};
    adjoints[of] = R.ones(values[of]);
    for (var i = model.order.length - 1; i >= 0; i--) {
      var n = model.order[i];
      if (n === of || model.nodes[n].op === "const" || (needed && needed.indexOf(n) < 0)) continue;
      var terms = [], total = null;
      model.nodes[n].consumers.forEach(function (grp) {
        var consumer = grp[0], positions = grp[1];
        if (!(consumer in adjoints)) return;
        var e = env(model, values, consumer), product = null;
        e.g = adjoints[consumer];
        positions.forEach(function (p) {
          var part = RULES[model.nodes[consumer].op].vjp[p](e);
          product = product === null ? part : R.plus(product, part);
        });
        product = R.fit(product, values[n]);
        terms.push({source: n, target: consumer, positions: positions, carried: adjoints[consumer], product: product});
        total = total === null ? product : R.plus(total, product);
      });
      if (total !== null) adjoints[n] = total;
      steps[n] = terms;
    }
    return {numbers: adjoints, terms: steps};
  }
  return {evaluate: evaluate, forward: forward, reverse: reverse, local: local};
})();

/* -- the page ---------------------------------------------------------------------------- */
var EXPLORER = (function () {
  var M = JSON.parse(document.getElementById("model").textContent);
  var live = M.unsupported.length === 0;
  var $ = function (id) { return document.getElementById(id); };
  function decode(x) {
    if (typeof x === "string") return x === "nan" ? NaN : (x === "inf" ? Infinity : -Infinity);
    if (x !== null && typeof x === "object")
      return R.make(x.shape, Float64Array.from(x.data.map(decode)));
    return x;
  }
  function plain(x) {
    if (!R.isArr(x)) return x;
    function nest(offset, dims) {
      if (!dims.length) return x.data[offset];
      var step = dims.slice(1).reduce(function (p, q) { return p * q; }, 1), out = [];
      for (var i = 0; i < dims[0]; i++) out.push(nest(offset + i * step, dims.slice(1)));
      return out;
    }
    return nest(0, x.shape);
  }
  function decodeAll(table) {
    var out = {};
    Object.keys(table).forEach(function (k) { out[k] = decode(table[k]); });
    return out;
  }
  /* -- numbers as text ------------------------------------------------------------------ */
  function num(v) {
    if (v !== v) return "nan";
    if (!isFinite(v)) return (v < 0 ? "\u2212" : "") + "inf";
    if (v === 0) return "0";
    var t = Math.abs(v) < 1e9 && Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(4)));
    return t.replace("-", "\u2212");
  }
  function dims(shape) {
    var sup = {"0": "\u2070", "1": "\u00b9", "2": "\u00b2", "3": "\u00b3", "4": "\u2074", "5": "\u2075",
      "6": "\u2076", "7": "\u2077", "8": "\u2078", "9": "\u2079"};
    return "\u211d" + shape.map(function (s) {
      return String(s).split("").map(function (c) { return sup[c]; }).join("");
    }).join("\u02e3");
  }
  function short(x) {
    if (!R.isArr(x)) return num(x);
    if (x.data.length <= 3 && x.shape.length <= 1) return "[" + Array.from(x.data).map(num).join(", ") + "]";
    return "[" + num(Number(x.data[0].toPrecision(3))) + ", \u2026] \u2208 " + dims(x.shape);
  }
  function full(x) {
    if (!R.isArr(x)) return num(x);
    if (x.data.length > 60) return short(x);
    return JSON.stringify(plain(x), function (k, v) { return typeof v === "number" ? num(v) : v; })
      .replace(/"/g, "").replace(/,/g, ", ");
  }
  function paren(t) { return t.charAt(0) === "\u2212" ? "(" + t + ")" : t; }
  function finite(x) { return Array.from(R.flat(x)).every(isFinite); }

  /* -- state ------------------------------------------------------------------------------ */
  var inputs = decodeAll(M.start), values, fwd, rev, error = null;
  var wrt = M.wrt;  /* the input forward mode differentiates by */
  var python = {values: decodeAll(M.python.values), adjoint: decodeAll(M.python.adjoint)};
  function zero(n) { return R.zeros(values[n]); }
  function tangent(n) { return n in fwd.numbers ? fwd.numbers[n] : zero(n); }
  function adjoint(n) { return n in rev.numbers ? rev.numbers[n] : zero(n); }
  function compute() {
    error = null;
    if (!live) {
      values = python.values;
      fwd = {numbers: decodeAll(M.python.tangent[wrt] || {}), terms: {}};
      rev = {numbers: python.adjoint, terms: {}};
      return;
    }
    try {
      values = AD.evaluate(M, inputs);
      fwd = AD.forward(M, values, wrt);
      rev = AD.reverse(M, values, M.of, M.needed);
    } catch (err) {
      error = String(err.message || err);
    }
  }

  /* -- the SVG: slots filled per frame ----------------------------------------------------- */
  var svg = $("graph").querySelector("svg");
  var textSlots = {}, colourSlots = [];
  svg.querySelectorAll("text[data-slot]").forEach(function (el) {
    (textSlots[el.dataset.slot] = textSlots[el.dataset.slot] || []).push(el);
  });
  ["fill", "stroke"].forEach(function (attr) {
    svg.querySelectorAll("[data-slot-" + attr + "]").forEach(function (el) {
      colourSlots.push([el, attr, el.getAttribute("data-slot-" + attr)]);
    });
  });
  /* a story's frames, each the full picture (colours, text slots shown, its step) */
  function expand(list) {
    var colours = {}, shown = {};
    return list.map(function (f) {
      Object.keys(f.c).forEach(function (k) { colours[k] = f.c[k]; });
      f.on.forEach(function (k) { shown[k] = true; });
      f.off.forEach(function (k) { delete shown[k]; });
      return {colours: Object.assign({}, colours), shown: Object.assign({}, shown), step: f.step};
    });
  }
  var frames = {reverse: expand(M.frames.reverse), forward: {}, both: {}};
  M.wrts.forEach(function (w) {
    frames.forward[w] = expand(M.frames.forward[w]);
    frames.both[w] = expand(M.frames.both[w]);
  });
  /* the frames the controls walk: the mode's, for the chosen wrt */
  function seq() { return mode === "reverse" ? frames.reverse : frames[mode][wrt]; }
  function sym(kind, n) { return kind === "tangent" ? M.symbols.tangent[wrt][n] : M.symbols.adjoint[n]; }
  function stepsOf(kind) { return kind === "tangent" ? M.steps.tangent[wrt] : M.steps.adjoint; }
  var mode = M.mode, index = 0, selected = null, playing = null;
  index = seq().length - 1;

  function termsOf(kind, n) { return ((kind === "tangent" ? fwd : rev).terms[n]) || []; }
  function localOf(u, v) {
    if (!live) return M.python.locals[u + "~" + v] !== undefined ? decode(M.python.locals[u + "~" + v]) : null;
    var grp = M.nodes[v].groups.filter(function (g) { return g[0] === u; })[0];
    return AD.local(M, values, v, grp[1]);
  }
  function fanIn(kind, n) {
    var terms = termsOf(kind, n);
    if (terms.length < 2 || !terms.every(function (t) { return !R.isArr(t.product); })) return "";
    if (terms.length > 3) return "= \u03a3 of " + terms.length + " terms";
    return "= " + terms.map(function (t) { return num(t.product); }).join(" + ").replace(/\+ \u2212/g, "\u2212 ");
  }
  function slotText(what) {
    var n = what[1];
    if (what[0] === "value") return "= " + short(values[n]);
    if (what[0] === "tangent" || what[0] === "adjoint") {
      if (what[2] === 0) return sym(what[0], n) + " = " + short(what[0] === "tangent" ? tangent(n) : adjoint(n));
      return live ? fanIn(what[0], n) : "";
    }
    var edge = M.edges[n + "~" + what[2]], line = what[3];
    if (!edge) return "";
    if (line === 0) return edge.symbol;
    if (line === 1) return edge[kindNow()];
    if (edge.map || !edge.number) return "";
    var number = short(localOf(n, what[2]));
    return edge.adjoint.slice(2) === number ? "" : "= " + number;
  }
  /* the pass the current frame belongs to: its step's, else the mode's last */
  function kindNow() {
    var step = seq()[index].step;
    return step ? step[0] : (mode === "forward" ? "tangent" : "adjoint");
  }
  function draw() {
    var frame = seq()[index];
    colourSlots.forEach(function (c) {
      var colour = frame.colours[c[2]];
      if (colour !== undefined) c[0].setAttribute(c[1], colour);
    });
    Object.keys(textSlots).forEach(function (i) {
      var text = frame.shown[i] && !error ? slotText(M.slots[i]) : "";
      textSlots[i].forEach(function (el) { el.textContent = text; });
    });
    Object.keys(M.nodes).forEach(function (n) {
      var g = document.getElementById("n_" + n);
      if (!g || error) return;
      var bad = !finite(values[n]) || !finite(tangent(n)) || !finite(adjoint(n));
      g.classList.toggle("nan", bad);
    });
    $("counter").textContent = "step " + (index + 1) + " / " + seq().length;
    $("notice").textContent = error ? "cannot compute at these inputs: " + error : "";
    if (selected) show(selected);
  }

  /* -- the panel ------------------------------------------------------------------------- */
  function highlight(key, on) {
    var g = document.getElementById("e_" + key);
    if (g) g.classList.toggle("hl", on);
  }
  function stepBlock(kind, n) {
    var info = stepsOf(kind)[n], box = document.createElement("div");
    box.className = "step"; box.id = kind === "tangent" ? "forward-step" : "reverse-step";
    var head = document.createElement("h3");
    head.textContent = kind === "tangent" ? "forward mode (tangent)" : "reverse mode (adjoint)";
    box.appendChild(head);
    var result = kind === "tangent" ? tangent(n) : adjoint(n);
    if (!info) {
      var p = document.createElement("p");
      p.textContent = sym(kind, n) + " = " + full(result) +
        (n === (kind === "tangent" ? wrt : M.of) ? " (the seed)" : " (no step: not on a path)");
      box.appendChild(p);
      return box;
    }
    var formula = document.createElement("p");
    formula.className = "formula"; formula.id = kind === "tangent" ? "forward-formula" : "reverse-formula";
    formula.textContent = info.formula;
    box.appendChild(formula);
    var terms = termsOf(kind, n), numbers = terms.map(function (t) {
      var loc = localOf(t.source, t.target);
      if (loc !== null && !R.isArr(loc) && !R.isArr(t.carried)) {
        var parts = [paren(num(loc)), paren(num(t.carried))];
        if (kind === "adjoint") parts.reverse();
        return parts.join("\u00b7");
      }
      return short(t.product);
    });
    var line = document.createElement("p");
    line.className = "numbers"; line.id = kind === "tangent" ? "forward-numbers" : "reverse-numbers";
    var shown = terms.length === 1 && R.isArr(terms[0].product) ? "" : numbers.join(" + ");
    line.textContent = "= " + (shown && shown !== full(result) ? shown + " = " : "") + full(result);
    box.appendChild(line);
    var list = document.createElement("ul");
    info.terms.forEach(function (t, i) {
      var li = document.createElement("li"), key = t.source + "~" + t.target;
      li.textContent = t.text + (terms[i] ? " = " + short(terms[i].product) : "");
      li.dataset.edge = key;
      li.addEventListener("mouseenter", function () { highlight(key, true); });
      li.addEventListener("mouseleave", function () { highlight(key, false); });
      list.appendChild(li);
    });
    if (info.terms.length > 1) box.appendChild(list);
    return box;
  }
  function show(n) {
    selected = n;
    var node = M.nodes[n], panel = $("panel");
    panel.textContent = "";
    var h = document.createElement("h2");
    h.id = "panel-node"; h.textContent = node.label;
    panel.appendChild(h);
    var d = document.createElement("p");
    d.id = "definition";
    d.textContent = node.op === "input" ? node.label + " (input)" : node.label + " = " + node.def;
    panel.appendChild(d);
    if (error) return;
    var v = document.createElement("p");
    v.id = "value"; v.textContent = "value " + node.label + " = " + full(values[n]);
    if (!finite(values[n])) { v.className = "nanline"; v.textContent += "  (outside the function's domain)"; }
    panel.appendChild(v);
    panel.appendChild(stepBlock("tangent", n));
    panel.appendChild(stepBlock("adjoint", n));
  }
  svg.querySelectorAll("g.node").forEach(function (g) {
    var n = g.id.slice(2);
    if (!(n in M.nodes)) return;
    g.addEventListener("click", function () { show(n); });
  });
  var tip = $("tip");
  svg.querySelectorAll("g.edge").forEach(function (g) {
    var key = g.id.slice(2), edge = M.edges[key];
    if (!edge) return;
    g.querySelectorAll("path").forEach(function (path) {  /* a wide invisible stroke to hover */
      var hit = path.cloneNode(false);
      hit.removeAttribute("data-slot-stroke");
      hit.setAttribute("stroke", "transparent"); hit.setAttribute("stroke-width", "14");
      hit.setAttribute("fill", "none"); hit.setAttribute("class", "hit");
      g.appendChild(hit);
    });
    g.addEventListener("mouseenter", function (ev) {
      var parts = key.split("~"), loc = edge.map ? null : localOf(parts[0], parts[1]);
      var number = loc === null ? "" : "= " + full(loc);
      tip.textContent = edge.symbol + (edge.map ? ": " + edge[kindNow()] : " " + edge.adjoint +
        (number && number !== edge.adjoint ? " " + number : ""));
      tip.style.left = (ev.pageX + 12) + "px"; tip.style.top = (ev.pageY + 12) + "px";
      tip.hidden = false;
    });
    g.addEventListener("mouseleave", function () { tip.hidden = true; });
  });

  /* -- inputs ---------------------------------------------------------------------------- */
  function changed() {
    var t0 = performance.now();
    compute();
    draw();
    return performance.now() - t0;
  }
  function setInput(name, value) {
    inputs[name] = R.isArr(inputs[name]) ? R.make(inputs[name].shape.slice(), Float64Array.from([value].flat(Infinity))) : Number(value);
    syncControls(name);
    return changed();
  }
  function setCell(name, i, value) {
    var x = inputs[name], data = Float64Array.from(x.data);
    data[i] = Number(value);
    inputs[name] = R.make(x.shape.slice(), data);
    syncControls(name);
    return changed();
  }
  function syncControls(name) {
    document.querySelectorAll("[data-input='" + name + "']").forEach(function (el) {
      var x = inputs[name];
      var v = el.dataset.cell !== undefined ? x.data[Number(el.dataset.cell)] : x;
      if (document.activeElement !== el) el.value = v;
    });
  }
  function buildInputs() {
    var box = $("inputs");
    Object.keys(M.inputs).forEach(function (name) {
      var spec = M.inputs[name], row = document.createElement("div");
      row.className = "input";
      var label = document.createElement("label");
      label.textContent = spec.label + (spec.data ? " (data)" : "");
      row.appendChild(label);
      var x = inputs[name];
      if (!R.isArr(x)) {
        var slider = document.createElement("input"), box2 = document.createElement("input");
        slider.type = "range"; slider.min = spec.range[0]; slider.max = spec.range[1];
        slider.step = (spec.range[1] - spec.range[0]) / 1000; slider.value = x;
        box2.type = "number"; box2.step = "any"; box2.value = x;
        [slider, box2].forEach(function (el) {
          el.dataset.input = name; el.disabled = !live;
          el.addEventListener("input", function () { if (el.value !== "") setInput(name, el.value); });
        });
        slider.id = "slider-" + name; box2.id = "box-" + name;
        row.appendChild(slider); row.appendChild(box2);
      } else if (x.data.length > M.max_cells) {
        var note = document.createElement("span");
        note.textContent = short(x) + " (too many entries to edit here)";
        row.appendChild(note);
      } else {
        var table = document.createElement("table"), cols = x.shape.length >= 2 ? x.shape[x.shape.length - 1] : x.data.length;
        table.className = "grid"; table.id = "grid-" + name;
        var tr = null;
        for (var i = 0; i < x.data.length; i++) {
          if (i % cols === 0) { tr = document.createElement("tr"); table.appendChild(tr); }
          var td = document.createElement("td"), cell = document.createElement("input");
          cell.type = "number"; cell.step = "any"; cell.value = x.data[i];
          cell.dataset.input = name; cell.dataset.cell = i; cell.disabled = !live;
          (function (c, k) {
            c.addEventListener("change", function () { if (c.value !== "") setCell(name, k, c.value); });
          })(cell, i);
          td.appendChild(cell); tr.appendChild(td);
        }
        row.appendChild(table);
      }
      box.appendChild(row);
    });
  }

  /* -- checking by central differences ---------------------------------------------------- */
  var CHECKED = 64;  /* entries probed per node (the first ones): a check stays quick */
  function total(x) { return Array.from(R.flat(x)).reduce(function (p, q) { return p + q; }, 0); }
  function maxAbs(x) { return Array.from(R.flat(x)).reduce(function (p, q) { return Math.max(p, Math.abs(q)); }, 0); }
  /* every derivative of both passes against central differences computed here: each
     node's adjoint entry by entry (the node nudged as soon as computed, the output summed
     as its seed of ones does), each node's tangent from two evaluations along the seed */
  function check() {
    if (!live || error) return [];
    var rows = [];
    M.order.forEach(function (n) {
      var node = M.nodes[n];
      if (node.op === "const" || n === M.of || (M.needed && M.needed.indexOf(n) < 0)) return;
      var x = R.flat(values[n]), ad = R.flat(adjoint(n)), pairs = [];
      for (var i = 0; i < Math.min(x.length, CHECKED); i++) {
        var h = 6e-6 * Math.max(1, Math.abs(x[i]));
        var up = AD.evaluate(M, inputs, {node: n, index: i, h: h})[M.of];
        var down = AD.evaluate(M, inputs, {node: n, index: i, h: -h})[M.of];
        pairs.push([ad[i], (total(up) - total(down)) / (2 * h)]);
      }
      rows.push(row("reverse", sym("adjoint", n), pairs, x.length));
    });
    var h0 = 6e-6 * Math.max(1, maxAbs(inputs[wrt]));
    function along(h) {
      var copy = Object.assign({}, inputs);
      copy[wrt] = R.map1(inputs[wrt], function (v) { return v + h; });
      return AD.evaluate(M, copy);
    }
    var up = along(h0), down = along(-h0);
    M.order.forEach(function (n) {
      var node = M.nodes[n];
      if (node.op === "input" || node.op === "const") return;
      var t = R.flat(tangent(n)), a = R.flat(up[n]), b = R.flat(down[n]), pairs = [];
      for (var i = 0; i < t.length; i++) pairs.push([t[i], (a[i] - b[i]) / (2 * h0)]);
      rows.push(row("forward", sym("tangent", n), pairs, t.length));
    });
    showChecks(rows);
    return rows;
  }
  /* one node's entries: the worst difference, agreeing within 1e-5 of max(1, |fd|) */
  function row(kind, what, pairs, entries) {
    var worst = 0, ok = true, ad = NaN, fd = NaN;
    pairs.forEach(function (p) {
      var err = Math.abs(p[0] - p[1]);
      if (!(err <= 1e-5 * Math.max(1, Math.abs(p[1])))) ok = false;
      if (!(err <= worst)) { worst = err; ad = p[0]; fd = p[1]; }
    });
    if (pairs.length && ad !== ad && fd !== fd) { ad = pairs[0][0]; fd = pairs[0][1]; }
    return {mode: kind, what: what, entries: entries, checked: pairs.length, ad: ad, fd: fd,
            error: worst, ok: ok};
  }
  function showChecks(rows) {
    var table = $("checks");
    table.textContent = "";
    var head = document.createElement("tr");
    ["mode", "derivative", "entries", "AD (worst)", "central difference", "|difference|", ""].forEach(function (t) {
      var th = document.createElement("th"); th.textContent = t; head.appendChild(th);
    });
    table.appendChild(head);
    rows.forEach(function (r) {
      var tr = document.createElement("tr");
      var entries = r.checked < r.entries ? r.checked + " of " + r.entries : String(r.entries);
      [r.mode, r.what, entries, num(r.ad), num(r.fd), num(r.error), r.ok ? "\u2713" : "\u2717 differs"].forEach(function (t) {
        var td = document.createElement("td"); td.textContent = t; tr.appendChild(td);
      });
      tr.className = r.ok ? "ok" : "bad";
      table.appendChild(tr);
    });
  }

  /* -- step controls ------------------------------------------------------------------------- */
  /* to frame i; its step's node opens in the panel */
  function go(i) {
    index = Math.max(0, Math.min(seq().length - 1, i));
    var step = seq()[index].step;
    if (step) selected = step[1];
    draw();
  }
  function play() {
    if (playing) { clearInterval(playing); playing = null; $("play").textContent = "\u25b6"; return; }
    if (index === seq().length - 1) go(0);
    $("play").textContent = "\u275a\u275a";
    playing = setInterval(function () {
      if (index >= seq().length - 1) { play(); return; }
      go(index + 1);
    }, M.step_ms);
  }
  $("prev").addEventListener("click", function () { go(index - 1); });
  $("next").addEventListener("click", function () { go(index + 1); });
  $("play").addEventListener("click", play);
  $("mode").value = mode;
  M.wrts.forEach(function (w) {
    var option = document.createElement("option");
    option.value = w; option.textContent = M.nodes[w].label;
    $("wrt").appendChild(option);
  });
  $("wrt").value = wrt;
  function setWrt(w) { wrt = w; $("wrt").value = w; compute(); go(seq().length - 1); }
  $("wrt").addEventListener("change", function () { setWrt($("wrt").value); });
  $("mode").addEventListener("change", function () { mode = $("mode").value; go(seq().length - 1); });
  $("check").addEventListener("click", check);
  $("zoom").addEventListener("click", function () {
    var fitted = svg.getAttribute("width") === "100%";
    svg.setAttribute("width", fitted ? svg.dataset.width : "100%");
    $("graph").classList.toggle("actual", fitted);
  });
  document.addEventListener("keydown", function (e) {
    if (["INPUT", "SELECT", "BUTTON"].indexOf(e.target.tagName) >= 0) return;
    if (e.key === "ArrowRight") go(index + 1);
    else if (e.key === "ArrowLeft") go(index - 1);
    else if (e.key === " ") { e.preventDefault(); play(); }
  });
  if (!live) {
    $("fallback").textContent = "These ops have no JavaScript in the page: " + M.unsupported.join(", ") +
      ". The numbers shown are Python's at the given inputs; inputs cannot be changed here.";
    $("fallback").hidden = false;
  }
  buildInputs();
  compute();
  draw();
  if (!selected) show(M.of);

  function table(get) {
    var out = {};
    Object.keys(M.nodes).forEach(function (n) { if (M.nodes[n].op !== "const") out[n] = plain(get(n)); });
    return out;
  }
  return {
    live: live, unsupported: M.unsupported,
    nodes: function () { return Object.keys(M.nodes); },
    values: function () { return table(function (n) { return values[n]; }); },
    tangents: function () { return table(tangent); },
    adjoints: function () { return table(adjoint); },
    setInput: setInput, setCell: setCell, select: function (n) { show(n); },
    setWrt: setWrt,
    setMode: function (m) { mode = m; go(seq().length - 1); },
    go: go, frame: function () { return index; }, check: check,
    error: function () { return error; },
    /* the mean ms of one pure recompute of the values (no derivatives, no drawing) over
       ``repeats`` runs timed together (performance.now is coarse) */
    timeBaseline: function (repeats) {
      var n = repeats || 100, t0 = performance.now();
      for (var i = 0; i < n; i++) AD.evaluate(M, inputs);
      return (performance.now() - t0) / n;
    }
  };
})();
window.explorer = EXPLORER;
