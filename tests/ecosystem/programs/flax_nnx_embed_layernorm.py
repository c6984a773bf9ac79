"""flax.nnx: a tiny language model (nnx.Embed, nnx.LayerNorm, nnx.MultiHeadAttention with a
causal mask, nnx.Linear) trained with nnx.Optimizer(optax.adamw) under nnx.jit."""

import json

import jax
import optax
from flax import nnx


class TinyLM(nnx.Module):
    def __init__(self, vocab, dim, *, rngs: nnx.Rngs):
        self.embed = nnx.Embed(vocab, dim, rngs=rngs)
        self.norm = nnx.LayerNorm(dim, rngs=rngs)
        self.attn = nnx.MultiHeadAttention(num_heads=2, in_features=dim, decode=False, rngs=rngs)
        self.out = nnx.Linear(dim, vocab, rngs=rngs)

    def __call__(self, tokens):
        h = self.embed(tokens)
        mask = nnx.make_causal_mask(tokens)
        h = h + self.attn(self.norm(h), mask=mask)
        return self.out(h)


model = TinyLM(12, 16, rngs=nnx.Rngs(3))
optimizer = nnx.Optimizer(model, optax.adamw(5e-3, weight_decay=1e-4), wrt=nnx.Param)
tokens = jax.random.randint(jax.random.PRNGKey(8), (4, 10), 0, 12)


@nnx.jit
def train_step(model, optimizer, tokens):
    def loss_fn(model):
        logits = model(tokens[:, :-1])
        return optax.softmax_cross_entropy_with_integer_labels(logits, tokens[:, 1:]).mean()

    loss, grads = nnx.value_and_grad(loss_fn)(model)
    optimizer.update(model, grads)
    return loss


losses = [float(train_step(model, optimizer, tokens)) for _ in range(25)]
print(
    "RESULT "
    + json.dumps(
        {
            "losses": losses[::5] + [losses[-1]],
            "logits": [float(v) for v in model(tokens[:1, :3])[0, -1, :4]],
        }
    )
)
