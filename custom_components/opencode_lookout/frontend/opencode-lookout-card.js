/* opencode-lookout-card 0.1.0: built from card/ by scripts/build-card; do not edit */
var z=globalThis,j=z.ShadowRoot&&(z.ShadyCSS===void 0||z.ShadyCSS.nativeShadow)&&"adoptedStyleSheets"in Document.prototype&&"replace"in CSSStyleSheet.prototype,se=Symbol(),$e=new WeakMap,N=class{constructor(e,t,s){if(this._$cssResult$=!0,s!==se)throw Error("CSSResult is not constructable. Use `unsafeCSS` or `css` instead.");this.cssText=e,this.t=t}get styleSheet(){let e=this.o,t=this.t;if(j&&e===void 0){let s=t!==void 0&&t.length===1;s&&(e=$e.get(t)),e===void 0&&((this.o=e=new CSSStyleSheet).replaceSync(this.cssText),s&&$e.set(t,e))}return e}toString(){return this.cssText}},ve=i=>new N(typeof i=="string"?i:i+"",void 0,se),ie=(i,...e)=>{let t=i.length===1?i[0]:e.reduce((s,r,n)=>s+(o=>{if(o._$cssResult$===!0)return o.cssText;if(typeof o=="number")return o;throw Error("Value passed to 'css' function must be a 'css' function result: "+o+". Use 'unsafeCSS' to pass non-literal values, but take care to ensure page security.")})(r)+i[n+1],i[0]);return new N(t,i,se)},ye=(i,e)=>{if(j)i.adoptedStyleSheets=e.map(t=>t instanceof CSSStyleSheet?t:t.styleSheet);else for(let t of e){let s=document.createElement("style"),r=z.litNonce;r!==void 0&&s.setAttribute("nonce",r),s.textContent=t.cssText,i.appendChild(s)}},re=j?i=>i:i=>i instanceof CSSStyleSheet?(e=>{let t="";for(let s of e.cssRules)t+=s.cssText;return ve(t)})(i):i;var{is:st,defineProperty:it,getOwnPropertyDescriptor:rt,getOwnPropertyNames:nt,getOwnPropertySymbols:ot,getPrototypeOf:at}=Object,q=globalThis,be=q.trustedTypes,lt=be?be.emptyScript:"",ct=q.reactiveElementPolyfillSupport,U=(i,e)=>i,ne={toAttribute(i,e){switch(e){case Boolean:i=i?lt:null;break;case Object:case Array:i=i==null?i:JSON.stringify(i)}return i},fromAttribute(i,e){let t=i;switch(e){case Boolean:t=i!==null;break;case Number:t=i===null?null:Number(i);break;case Object:case Array:try{t=JSON.parse(i)}catch{t=null}}return t}},xe=(i,e)=>!st(i,e),we={attribute:!0,type:String,converter:ne,reflect:!1,useDefault:!1,hasChanged:xe};Symbol.metadata??=Symbol("metadata"),q.litPropertyMetadata??=new WeakMap;var v=class extends HTMLElement{static addInitializer(e){this._$Ei(),(this.l??=[]).push(e)}static get observedAttributes(){return this.finalize(),this._$Eh&&[...this._$Eh.keys()]}static createProperty(e,t=we){if(t.state&&(t.attribute=!1),this._$Ei(),this.prototype.hasOwnProperty(e)&&((t=Object.create(t)).wrapped=!0),this.elementProperties.set(e,t),!t.noAccessor){let s=Symbol(),r=this.getPropertyDescriptor(e,s,t);r!==void 0&&it(this.prototype,e,r)}}static getPropertyDescriptor(e,t,s){let{get:r,set:n}=rt(this.prototype,e)??{get(){return this[t]},set(o){this[t]=o}};return{get:r,set(o){let d=r?.call(this);n?.call(this,o),this.requestUpdate(e,d,s)},configurable:!0,enumerable:!0}}static getPropertyOptions(e){return this.elementProperties.get(e)??we}static _$Ei(){if(this.hasOwnProperty(U("elementProperties")))return;let e=at(this);e.finalize(),e.l!==void 0&&(this.l=[...e.l]),this.elementProperties=new Map(e.elementProperties)}static finalize(){if(this.hasOwnProperty(U("finalized")))return;if(this.finalized=!0,this._$Ei(),this.hasOwnProperty(U("properties"))){let t=this.properties,s=[...nt(t),...ot(t)];for(let r of s)this.createProperty(r,t[r])}let e=this[Symbol.metadata];if(e!==null){let t=litPropertyMetadata.get(e);if(t!==void 0)for(let[s,r]of t)this.elementProperties.set(s,r)}this._$Eh=new Map;for(let[t,s]of this.elementProperties){let r=this._$Eu(t,s);r!==void 0&&this._$Eh.set(r,t)}this.elementStyles=this.finalizeStyles(this.styles)}static finalizeStyles(e){let t=[];if(Array.isArray(e)){let s=new Set(e.flat(1/0).reverse());for(let r of s)t.unshift(re(r))}else e!==void 0&&t.push(re(e));return t}static _$Eu(e,t){let s=t.attribute;return s===!1?void 0:typeof s=="string"?s:typeof e=="string"?e.toLowerCase():void 0}constructor(){super(),this._$Ep=void 0,this.isUpdatePending=!1,this.hasUpdated=!1,this._$Em=null,this._$Ev()}_$Ev(){this._$ES=new Promise(e=>this.enableUpdating=e),this._$AL=new Map,this._$E_(),this.requestUpdate(),this.constructor.l?.forEach(e=>e(this))}addController(e){(this._$EO??=new Set).add(e),this.renderRoot!==void 0&&this.isConnected&&e.hostConnected?.()}removeController(e){this._$EO?.delete(e)}_$E_(){let e=new Map,t=this.constructor.elementProperties;for(let s of t.keys())this.hasOwnProperty(s)&&(e.set(s,this[s]),delete this[s]);e.size>0&&(this._$Ep=e)}createRenderRoot(){let e=this.shadowRoot??this.attachShadow(this.constructor.shadowRootOptions);return ye(e,this.constructor.elementStyles),e}connectedCallback(){this.renderRoot??=this.createRenderRoot(),this.enableUpdating(!0),this._$EO?.forEach(e=>e.hostConnected?.())}enableUpdating(e){}disconnectedCallback(){this._$EO?.forEach(e=>e.hostDisconnected?.())}attributeChangedCallback(e,t,s){this._$AK(e,s)}_$ET(e,t){let s=this.constructor.elementProperties.get(e),r=this.constructor._$Eu(e,s);if(r!==void 0&&s.reflect===!0){let n=(s.converter?.toAttribute!==void 0?s.converter:ne).toAttribute(t,s.type);this._$Em=e,n==null?this.removeAttribute(r):this.setAttribute(r,n),this._$Em=null}}_$AK(e,t){let s=this.constructor,r=s._$Eh.get(e);if(r!==void 0&&this._$Em!==r){let n=s.getPropertyOptions(r),o=typeof n.converter=="function"?{fromAttribute:n.converter}:n.converter?.fromAttribute!==void 0?n.converter:ne;this._$Em=r;let d=o.fromAttribute(t,n.type);this[r]=d??this._$Ej?.get(r)??d,this._$Em=null}}requestUpdate(e,t,s,r=!1,n){if(e!==void 0){let o=this.constructor;if(r===!1&&(n=this[e]),s??=o.getPropertyOptions(e),!((s.hasChanged??xe)(n,t)||s.useDefault&&s.reflect&&n===this._$Ej?.get(e)&&!this.hasAttribute(o._$Eu(e,s))))return;this.C(e,t,s)}this.isUpdatePending===!1&&(this._$ES=this._$EP())}C(e,t,{useDefault:s,reflect:r,wrapped:n},o){s&&!(this._$Ej??=new Map).has(e)&&(this._$Ej.set(e,o??t??this[e]),n!==!0||o!==void 0)||(this._$AL.has(e)||(this.hasUpdated||s||(t=void 0),this._$AL.set(e,t)),r===!0&&this._$Em!==e&&(this._$Eq??=new Set).add(e))}async _$EP(){this.isUpdatePending=!0;try{await this._$ES}catch(t){Promise.reject(t)}let e=this.scheduleUpdate();return e!=null&&await e,!this.isUpdatePending}scheduleUpdate(){return this.performUpdate()}performUpdate(){if(!this.isUpdatePending)return;if(!this.hasUpdated){if(this.renderRoot??=this.createRenderRoot(),this._$Ep){for(let[r,n]of this._$Ep)this[r]=n;this._$Ep=void 0}let s=this.constructor.elementProperties;if(s.size>0)for(let[r,n]of s){let{wrapped:o}=n,d=this[r];o!==!0||this._$AL.has(r)||d===void 0||this.C(r,void 0,n,d)}}let e=!1,t=this._$AL;try{e=this.shouldUpdate(t),e?(this.willUpdate(t),this._$EO?.forEach(s=>s.hostUpdate?.()),this.update(t)):this._$EM()}catch(s){throw e=!1,this._$EM(),s}e&&this._$AE(t)}willUpdate(e){}_$AE(e){this._$EO?.forEach(t=>t.hostUpdated?.()),this.hasUpdated||(this.hasUpdated=!0,this.firstUpdated(e)),this.updated(e)}_$EM(){this._$AL=new Map,this.isUpdatePending=!1}get updateComplete(){return this.getUpdateComplete()}getUpdateComplete(){return this._$ES}shouldUpdate(e){return!0}update(e){this._$Eq&&=this._$Eq.forEach(t=>this._$ET(t,this[t])),this._$EM()}updated(e){}firstUpdated(e){}};v.elementStyles=[],v.shadowRootOptions={mode:"open"},v[U("elementProperties")]=new Map,v[U("finalized")]=new Map,ct?.({ReactiveElement:v}),(q.reactiveElementVersions??=[]).push("2.1.2");var ae=globalThis,Ae=i=>i,B=ae.trustedTypes,Se=B?B.createPolicy("lit-html",{createHTML:i=>i}):void 0,le="$lit$",y=`lit$${Math.random().toFixed(9).slice(2)}$`,ce="?"+y,dt=`<${ce}>`,S=document,O=()=>S.createComment(""),L=i=>i===null||typeof i!="object"&&typeof i!="function",de=Array.isArray,Pe=i=>de(i)||typeof i?.[Symbol.iterator]=="function",oe=`[ 	
\f\r]`,H=/<(?:(!--|\/[^a-zA-Z])|(\/?[a-zA-Z][^>\s]*)|(\/?$))/g,Ee=/-->/g,Ce=/>/g,x=RegExp(`>|${oe}(?:([^\\s"'>=/]+)(${oe}*=${oe}*(?:[^ 	
\f\r"'\`<>=]|("|')|))|$)`,"g"),ke=/'/g,Me=/"/g,Re=/^(?:script|style|textarea|title)$/i,he=i=>(e,...t)=>({_$litType$:i,strings:e,values:t}),c=he(1),Pt=he(2),Rt=he(3),b=Symbol.for("lit-noChange"),h=Symbol.for("lit-nothing"),Te=new WeakMap,A=S.createTreeWalker(S,129);function Ne(i,e){if(!de(i)||!i.hasOwnProperty("raw"))throw Error("invalid template strings array");return Se!==void 0?Se.createHTML(e):e}var Ue=(i,e)=>{let t=i.length-1,s=[],r,n=e===2?"<svg>":e===3?"<math>":"",o=H;for(let d=0;d<t;d++){let l=i[d],u,g,a=-1,m=0;for(;m<l.length&&(o.lastIndex=m,g=o.exec(l),g!==null);)m=o.lastIndex,o===H?g[1]==="!--"?o=Ee:g[1]!==void 0?o=Ce:g[2]!==void 0?(Re.test(g[2])&&(r=RegExp("</"+g[2],"g")),o=x):g[3]!==void 0&&(o=x):o===x?g[0]===">"?(o=r??H,a=-1):g[1]===void 0?a=-2:(a=o.lastIndex-g[2].length,u=g[1],o=g[3]===void 0?x:g[3]==='"'?Me:ke):o===Me||o===ke?o=x:o===Ee||o===Ce?o=H:(o=x,r=void 0);let p=o===x&&i[d+1].startsWith("/>")?" ":"";n+=o===H?l+dt:a>=0?(s.push(u),l.slice(0,a)+le+l.slice(a)+y+p):l+y+(a===-2?d:p)}return[Ne(i,n+(i[t]||"<?>")+(e===2?"</svg>":e===3?"</math>":"")),s]},D=class i{constructor({strings:e,_$litType$:t},s){let r;this.parts=[];let n=0,o=0,d=e.length-1,l=this.parts,[u,g]=Ue(e,t);if(this.el=i.createElement(u,s),A.currentNode=this.el.content,t===2||t===3){let a=this.el.content.firstChild;a.replaceWith(...a.childNodes)}for(;(r=A.nextNode())!==null&&l.length<d;){if(r.nodeType===1){if(r.hasAttributes())for(let a of r.getAttributeNames())if(a.endsWith(le)){let m=g[o++],p=r.getAttribute(a).split(y),_=/([.?@])?(.*)/.exec(m);l.push({type:1,index:n,name:_[2],strings:p,ctor:_[1]==="."?K:_[1]==="?"?F:_[1]==="@"?G:C}),r.removeAttribute(a)}else a.startsWith(y)&&(l.push({type:6,index:n}),r.removeAttribute(a));if(Re.test(r.tagName)){let a=r.textContent.split(y),m=a.length-1;if(m>0){r.textContent=B?B.emptyScript:"";for(let p=0;p<m;p++)r.append(a[p],O()),A.nextNode(),l.push({type:2,index:++n});r.append(a[m],O())}}}else if(r.nodeType===8)if(r.data===ce)l.push({type:2,index:n});else{let a=-1;for(;(a=r.data.indexOf(y,a+1))!==-1;)l.push({type:7,index:n}),a+=y.length-1}n++}}static createElement(e,t){let s=S.createElement("template");return s.innerHTML=e,s}};function E(i,e,t=i,s){if(e===b)return e;let r=s!==void 0?t._$Co?.[s]:t._$Cl,n=L(e)?void 0:e._$litDirective$;return r?.constructor!==n&&(r?._$AO?.(!1),n===void 0?r=void 0:(r=new n(i),r._$AT(i,t,s)),s!==void 0?(t._$Co??=[])[s]=r:t._$Cl=r),r!==void 0&&(e=E(i,r._$AS(i,e.values),r,s)),e}var V=class{constructor(e,t){this._$AV=[],this._$AN=void 0,this._$AD=e,this._$AM=t}get parentNode(){return this._$AM.parentNode}get _$AU(){return this._$AM._$AU}u(e){let{el:{content:t},parts:s}=this._$AD,r=(e?.creationScope??S).importNode(t,!0);A.currentNode=r;let n=A.nextNode(),o=0,d=0,l=s[0];for(;l!==void 0;){if(o===l.index){let u;l.type===2?u=new k(n,n.nextSibling,this,e):l.type===1?u=new l.ctor(n,l.name,l.strings,this,e):l.type===6&&(u=new Q(n,this,e)),this._$AV.push(u),l=s[++d]}o!==l?.index&&(n=A.nextNode(),o++)}return A.currentNode=S,r}p(e){let t=0;for(let s of this._$AV)s!==void 0&&(s.strings!==void 0?(s._$AI(e,s,t),t+=s.strings.length-2):s._$AI(e[t])),t++}},k=class i{get _$AU(){return this._$AM?._$AU??this._$Cv}constructor(e,t,s,r){this.type=2,this._$AH=h,this._$AN=void 0,this._$AA=e,this._$AB=t,this._$AM=s,this.options=r,this._$Cv=r?.isConnected??!0}get parentNode(){let e=this._$AA.parentNode,t=this._$AM;return t!==void 0&&e?.nodeType===11&&(e=t.parentNode),e}get startNode(){return this._$AA}get endNode(){return this._$AB}_$AI(e,t=this){e=E(this,e,t),L(e)?e===h||e==null||e===""?(this._$AH!==h&&this._$AR(),this._$AH=h):e!==this._$AH&&e!==b&&this._(e):e._$litType$!==void 0?this.$(e):e.nodeType!==void 0?this.T(e):Pe(e)?this.k(e):this._(e)}O(e){return this._$AA.parentNode.insertBefore(e,this._$AB)}T(e){this._$AH!==e&&(this._$AR(),this._$AH=this.O(e))}_(e){this._$AH!==h&&L(this._$AH)?this._$AA.nextSibling.data=e:this.T(S.createTextNode(e)),this._$AH=e}$(e){let{values:t,_$litType$:s}=e,r=typeof s=="number"?this._$AC(e):(s.el===void 0&&(s.el=D.createElement(Ne(s.h,s.h[0]),this.options)),s);if(this._$AH?._$AD===r)this._$AH.p(t);else{let n=new V(r,this),o=n.u(this.options);n.p(t),this.T(o),this._$AH=n}}_$AC(e){let t=Te.get(e.strings);return t===void 0&&Te.set(e.strings,t=new D(e)),t}k(e){de(this._$AH)||(this._$AH=[],this._$AR());let t=this._$AH,s,r=0;for(let n of e)r===t.length?t.push(s=new i(this.O(O()),this.O(O()),this,this.options)):s=t[r],s._$AI(n),r++;r<t.length&&(this._$AR(s&&s._$AB.nextSibling,r),t.length=r)}_$AR(e=this._$AA.nextSibling,t){for(this._$AP?.(!1,!0,t);e!==this._$AB;){let s=Ae(e).nextSibling;Ae(e).remove(),e=s}}setConnected(e){this._$AM===void 0&&(this._$Cv=e,this._$AP?.(e))}},C=class{get tagName(){return this.element.tagName}get _$AU(){return this._$AM._$AU}constructor(e,t,s,r,n){this.type=1,this._$AH=h,this._$AN=void 0,this.element=e,this.name=t,this._$AM=r,this.options=n,s.length>2||s[0]!==""||s[1]!==""?(this._$AH=Array(s.length-1).fill(new String),this.strings=s):this._$AH=h}_$AI(e,t=this,s,r){let n=this.strings,o=!1;if(n===void 0)e=E(this,e,t,0),o=!L(e)||e!==this._$AH&&e!==b,o&&(this._$AH=e);else{let d=e,l,u;for(e=n[0],l=0;l<n.length-1;l++)u=E(this,d[s+l],t,l),u===b&&(u=this._$AH[l]),o||=!L(u)||u!==this._$AH[l],u===h?e=h:e!==h&&(e+=(u??"")+n[l+1]),this._$AH[l]=u}o&&!r&&this.j(e)}j(e){e===h?this.element.removeAttribute(this.name):this.element.setAttribute(this.name,e??"")}},K=class extends C{constructor(){super(...arguments),this.type=3}j(e){this.element[this.name]=e===h?void 0:e}},F=class extends C{constructor(){super(...arguments),this.type=4}j(e){this.element.toggleAttribute(this.name,!!e&&e!==h)}},G=class extends C{constructor(e,t,s,r,n){super(e,t,s,r,n),this.type=5}_$AI(e,t=this){if((e=E(this,e,t,0)??h)===b)return;let s=this._$AH,r=e===h&&s!==h||e.capture!==s.capture||e.once!==s.once||e.passive!==s.passive,n=e!==h&&(s===h||r);r&&this.element.removeEventListener(this.name,this,s),n&&this.element.addEventListener(this.name,this,e),this._$AH=e}handleEvent(e){typeof this._$AH=="function"?this._$AH.call(this.options?.host??this.element,e):this._$AH.handleEvent(e)}},Q=class{constructor(e,t,s){this.element=e,this.type=6,this._$AN=void 0,this._$AM=t,this.options=s}get _$AU(){return this._$AM._$AU}_$AI(e){E(this,e)}},He={M:le,P:y,A:ce,C:1,L:Ue,R:V,D:Pe,V:E,I:k,H:C,N:F,U:G,B:K,F:Q},ht=ae.litHtmlPolyfillSupport;ht?.(D,k),(ae.litHtmlVersions??=[]).push("3.3.3");var Oe=(i,e,t)=>{let s=t?.renderBefore??e,r=s._$litPart$;if(r===void 0){let n=t?.renderBefore??null;s._$litPart$=r=new k(e.insertBefore(O(),n),n,void 0,t??{})}return r._$AI(i),r};var pe=globalThis,f=class extends v{constructor(){super(...arguments),this.renderOptions={host:this},this._$Do=void 0}createRenderRoot(){let e=super.createRenderRoot();return this.renderOptions.renderBefore??=e.firstChild,e}update(e){let t=this.render();this.hasUpdated||(this.renderOptions.isConnected=this.isConnected),super.update(e),this._$Do=Oe(t,this.renderRoot,this.renderOptions)}connectedCallback(){super.connectedCallback(),this._$Do?.setConnected(!0)}disconnectedCallback(){super.disconnectedCallback(),this._$Do?.setConnected(!1)}render(){return b}};f._$litElement$=!0,f.finalized=!0,pe.litElementHydrateSupport?.({LitElement:f});var pt=pe.litElementPolyfillSupport;pt?.({LitElement:f});(pe.litElementVersions??=[]).push("4.2.2");var Le={ATTRIBUTE:1,CHILD:2,PROPERTY:3,BOOLEAN_ATTRIBUTE:4,EVENT:5,ELEMENT:6},De=i=>(...e)=>({_$litDirective$:i,values:e}),W=class{constructor(e){}get _$AU(){return this._$AM._$AU}_$AT(e,t,s){this._$Ct=e,this._$AM=t,this._$Ci=s}_$AS(e,t){return this.update(e,t)}update(e,t){return this.render(...t)}};var{I:ut}=He,Ie=i=>i;var ze=()=>document.createComment(""),M=(i,e,t)=>{let s=i._$AA.parentNode,r=e===void 0?i._$AB:e._$AA;if(t===void 0){let n=s.insertBefore(ze(),r),o=s.insertBefore(ze(),r);t=new ut(n,o,i,i.options)}else{let n=t._$AB.nextSibling,o=t._$AM,d=o!==i;if(d){let l;t._$AQ?.(i),t._$AM=i,t._$AP!==void 0&&(l=i._$AU)!==o._$AU&&t._$AP(l)}if(n!==r||d){let l=t._$AA;for(;l!==n;){let u=Ie(l).nextSibling;Ie(s).insertBefore(l,r),l=u}}}return t},w=(i,e,t=i)=>(i._$AI(e,t),i),mt={},je=(i,e=mt)=>i._$AH=e,qe=i=>i._$AH,J=i=>{i._$AR(),i._$AA.remove()};var Be=(i,e,t)=>{let s=new Map;for(let r=e;r<=t;r++)s.set(i[r],r);return s},Ve=De(class extends W{constructor(i){if(super(i),i.type!==Le.CHILD)throw Error("repeat() can only be used in text expressions")}dt(i,e,t){let s;t===void 0?t=e:e!==void 0&&(s=e);let r=[],n=[],o=0;for(let d of i)r[o]=s?s(d,o):o,n[o]=t(d,o),o++;return{values:n,keys:r}}render(i,e,t){return this.dt(i,e,t).values}update(i,[e,t,s]){let r=qe(i),{values:n,keys:o}=this.dt(e,t,s);if(!Array.isArray(r))return this.ut=o,n;let d=this.ut??=[],l=[],u,g,a=0,m=r.length-1,p=0,_=n.length-1;for(;a<=m&&p<=_;)if(r[a]===null)a++;else if(r[m]===null)m--;else if(d[a]===o[p])l[p]=w(r[a],n[p]),a++,p++;else if(d[m]===o[_])l[_]=w(r[m],n[_]),m--,_--;else if(d[a]===o[_])l[_]=w(r[a],n[_]),M(i,l[_+1],r[a]),a++,_--;else if(d[m]===o[p])l[p]=w(r[m],n[p]),M(i,r[a],r[m]),m--,p++;else if(u===void 0&&(u=Be(o,p,_),g=Be(d,a,m)),u.has(d[a]))if(u.has(d[m])){let $=g.get(o[p]),te=$!==void 0?r[$]:null;if(te===null){let fe=M(i,r[a]);w(fe,n[p]),l[p]=fe}else l[p]=w(te,n[p]),M(i,r[a],te),r[$]=null;p++}else J(r[m]),m--;else J(r[a]),a++;for(;p<=_;){let $=M(i,l[_+1]);w($,n[p]),l[p++]=$}for(;a<=m;){let $=r[a++];$!==null&&J($)}return this.ut=o,je(i,l),b}});var _t={permission:null,question:null,abort:!1,messages:!1};function Ke(i,e,t){if(!e||!t||!i.available||!i.device_id)return _t;let s=i.pending_permissions[0]??null,r=i.question??null;return{permission:s,question:r,abort:i.state==="working",messages:!0}}function Fe(i){let e=i.pending_permissions[0];if(e&&e.session_id!==i.id)return i.current_agent??"sub-agent";let t=i.question;return t&&t.session_id!==i.id?i.current_agent??"sub-agent":i.current_agent&&i.current_agent!==i.agent?i.current_agent:null}function gt(i){let e=Math.max(0,Math.floor(i/1e3));if(e<60)return`${e} s`;let t=Math.floor(e/60);if(t<60)return`${t} min`;let s=Math.floor(t/60);return s<24?`${s} h ${String(t%60).padStart(2,"0")} min`:`${Math.floor(s/24)} d ${s%24} h`}function Ge(i,e){let t=i?Date.parse(i):NaN;return Number.isNaN(t)?"":gt(e-t)}function ue(i,e="en"){return i?new Intl.NumberFormat(e,{style:"currency",currency:"USD",minimumFractionDigits:i<1?3:2,maximumFractionDigits:i<1?3:2}).format(i):""}function T(i){return i<1e3?String(i):i<1e6?`${(i/1e3).toFixed(i<1e4?1:0)}k`:`${(i/1e6).toFixed(1)}M`}function Qe(i,e){return i===null||!e?null:Math.min(100,Math.round(i/e*100))}function We(i,e){switch(e.type){case"snapshot":return e.machines;case"machine":return i.some(s=>s.entry_id===e.machine.entry_id)?i.map(s=>s.entry_id===e.machine.entry_id?{...e.machine,sessions:s.sessions}:s):[...i,{...e.machine,sessions:[]}];case"machine_removed":return i.filter(t=>t.entry_id!==e.entry_id);case"session":return i.map(t=>{if(t.entry_id!==e.entry_id)return t;let s=t.sessions.filter(r=>r.id!==e.session.id);return{...t,sessions:[...s,e.session]}});case"session_removed":return i.map(t=>t.entry_id===e.entry_id?{...t,sessions:t.sessions.filter(s=>s.id!==e.session_id)}:t);default:return i}}var me={title:"OpenCode sessions",no_sessions:"No sessions",no_machines:"No OpenCode Lookout agent is set up",offline:"Agent offline",connecting:"Connecting\u2026",more_idle:"{count} more idle",waiting_count:"{count} waiting",state_idle:"Idle",state_working:"Working",state_waiting_permission:"Needs permission",state_waiting_input:"Has a question",state_error:"Error",session_offline:"Offline",approve:"Approve",always:"Always",reject:"Reject",abort:"Abort",send:"Send",reason:"Reason (optional, sent to the model)",answer:"Your answer",always_allows:"Always allows",asked_by:"Asked by {agent}",sub_agent:"sub-agent {agent}",read_only:"Read only: an administrator can allow you to steer in the integration's options.",expand:"Show details of {title}",collapse:"Hide details of {title}",messages:"Last messages",no_messages:"No messages",loading:"Loading\u2026",tokens:"Tokens",tokens_detail:"{input} in, {output} out, {cache} cache",context:"Context",files:"Files changed",files_detail:"{files} (+{added} \u2212{removed})",cost:"Cost",untitled:"Untitled session",error_action:"Failed: {message}",editor_title:"Title",editor_machines:"Machines (all when empty)",editor_idle_count:"Idle sessions shown per machine"},ft={title:"OpenCode-Sitzungen",no_sessions:"Keine Sitzungen",no_machines:"Kein OpenCode-Lookout-Agent eingerichtet",offline:"Agent offline",connecting:"Verbinde\u2026",more_idle:"{count} weitere inaktiv",waiting_count:"{count} warten",state_idle:"Inaktiv",state_working:"Arbeitet",state_waiting_permission:"Braucht Erlaubnis",state_waiting_input:"Hat eine Frage",state_error:"Fehler",session_offline:"Offline",approve:"Erlauben",always:"Immer",reject:"Ablehnen",abort:"Abbrechen",send:"Senden",reason:"Begr\xFCndung (optional, geht an das Modell)",answer:"Deine Antwort",always_allows:"Immer erlaubt",asked_by:"Gefragt von {agent}",sub_agent:"Sub-Agent {agent}",read_only:"Nur lesen: ein Administrator kann dir das Steuern in den Optionen der Integration erlauben.",expand:"Details von {title} zeigen",collapse:"Details von {title} verbergen",messages:"Letzte Nachrichten",no_messages:"Keine Nachrichten",loading:"Lade\u2026",tokens:"Tokens",context:"Kontext",files:"Ge\xE4nderte Dateien",cost:"Kosten",untitled:"Sitzung ohne Titel",error_action:"Fehlgeschlagen: {message}",editor_title:"Titel",editor_machines:"Rechner (leer: alle)",editor_idle_count:"Gezeigte inaktive Sitzungen je Rechner"},Je={en:me,de:ft};function Y(i,e,t={}){let s=(i??"en").toLowerCase();return((Je[s]??Je[s.split("-")[0]]??me)[e]??me[e]).replace(/\{(\w+)\}/g,(o,d)=>d in t?String(t[d]):`{${d}}`)}var Ye=ie`
  :host {
    --ocl-idle: var(--success-color, #43a047);
    --ocl-working: var(--info-color, #039be5);
    --ocl-waiting: var(--warning-color, #ffa600);
    --ocl-error: var(--error-color, #db4437);
    --ocl-offline: var(--disabled-text-color, #8a8a8a);
    --ocl-border: var(--divider-color, rgba(127, 127, 127, 0.25));
    display: block;
  }
  ha-card {
    overflow: hidden;
  }
  .header {
    display: flex;
    align-items: center;
    gap: 8px;
    padding: 12px 16px 4px;
  }
  .header h2 {
    flex: 1;
    margin: 0;
    font-size: var(--ha-card-header-font-size, 1.25rem);
    font-weight: 400;
    color: var(--ha-card-header-color, var(--primary-text-color));
  }
  .badge {
    border-radius: 999px;
    padding: 2px 10px;
    font-size: 0.8rem;
    font-weight: 500;
    color: var(--text-primary-color, #fff);
    background: var(--ocl-waiting);
  }
  .empty {
    padding: 16px;
    color: var(--secondary-text-color);
  }
  section.machine {
    padding: 4px 0 8px;
  }
  .machine-name {
    display: flex;
    align-items: center;
    gap: 8px;
    margin: 0;
    padding: 8px 16px 4px;
    font-size: 0.85rem;
    font-weight: 500;
    letter-spacing: 0.04em;
    text-transform: uppercase;
    color: var(--secondary-text-color);
  }
  ul {
    list-style: none;
    margin: 0;
    padding: 0;
  }
  li.row {
    border-top: 1px solid var(--ocl-border);
  }
  li.row.waiting {
    background: color-mix(in srgb, var(--ocl-waiting) 8%, transparent);
  }
  button.summary {
    all: unset;
    box-sizing: border-box;
    display: grid;
    grid-template-columns: auto 1fr auto;
    gap: 2px 10px;
    align-items: center;
    width: 100%;
    padding: 10px 16px;
    cursor: pointer;
    color: var(--primary-text-color);
  }
  button.summary:focus-visible {
    outline: 2px solid var(--primary-color);
    outline-offset: -2px;
  }
  .chip {
    display: inline-flex;
    align-items: center;
    gap: 4px;
    grid-row: span 2;
    border-radius: 999px;
    padding: 2px 8px 2px 4px;
    font-size: 0.75rem;
    font-weight: 500;
    white-space: nowrap;
    color: var(--chip-color);
    background: color-mix(in srgb, var(--chip-color) 16%, transparent);
    --mdc-icon-size: 16px;
  }
  .chip.idle { --chip-color: var(--ocl-idle); }
  .chip.working { --chip-color: var(--ocl-working); }
  .chip.waiting_permission,
  .chip.waiting_input { --chip-color: var(--ocl-waiting); }
  .chip.error { --chip-color: var(--ocl-error); }
  .chip.offline { --chip-color: var(--ocl-offline); }
  .title {
    min-width: 0;
    overflow: hidden;
    text-overflow: ellipsis;
    white-space: nowrap;
    font-weight: 500;
  }
  .since {
    font-size: 0.8rem;
    color: var(--secondary-text-color);
    white-space: nowrap;
    text-align: right;
  }
  .meta {
    grid-column: 2 / 4;
    display: flex;
    flex-wrap: wrap;
    gap: 2px 10px;
    min-width: 0;
    font-size: 0.8rem;
    color: var(--secondary-text-color);
  }
  .meta span {
    overflow: hidden;
    text-overflow: ellipsis;
    white-space: nowrap;
    max-width: 100%;
  }
  .tool {
    font-family: var(--code-font-family, monospace);
  }
  .subagent {
    border-radius: 4px;
    padding: 0 6px;
    color: var(--primary-color);
    border: 1px solid color-mix(in srgb, var(--primary-color) 50%, transparent);
  }
  .request,
  .details {
    padding: 0 16px 12px;
  }
  .request h4 {
    margin: 4px 0;
    font-size: 0.9rem;
    font-weight: 500;
  }
  pre {
    margin: 4px 0 8px;
    padding: 8px 10px;
    border-radius: 6px;
    white-space: pre-wrap;
    word-break: break-word;
    font-family: var(--code-font-family, monospace);
    font-size: 0.85rem;
    background: var(--code-background-color, var(--secondary-background-color, rgba(127, 127, 127, 0.12)));
    color: var(--primary-text-color);
  }
  .small {
    font-size: 0.8rem;
    color: var(--secondary-text-color);
  }
  .actions {
    display: flex;
    flex-wrap: wrap;
    gap: 8px;
    align-items: center;
    margin-top: 8px;
  }
  .actions input {
    flex: 1 1 180px;
    min-width: 0;
  }
  input[type="text"] {
    box-sizing: border-box;
    padding: 8px 10px;
    border-radius: 6px;
    border: 1px solid var(--ocl-border);
    font: inherit;
    font-size: 0.9rem;
    color: var(--primary-text-color);
    background: var(--card-background-color, transparent);
  }
  input[type="text"]:focus-visible {
    outline: 2px solid var(--primary-color);
  }
  button.action {
    min-height: 36px;
    padding: 0 14px;
    border-radius: 18px;
    border: 1px solid var(--btn-color, var(--primary-color));
    font: inherit;
    font-size: 0.9rem;
    font-weight: 500;
    cursor: pointer;
    color: var(--btn-color, var(--primary-color));
    background: transparent;
  }
  button.action.primary {
    color: var(--text-primary-color, #fff);
    background: var(--btn-color, var(--primary-color));
  }
  button.action.danger {
    --btn-color: var(--ocl-error);
  }
  button.action:focus-visible {
    outline: 2px solid var(--primary-text-color);
    outline-offset: 2px;
  }
  button.action[disabled] {
    opacity: 0.5;
    cursor: default;
  }
  ul.options {
    list-style: disc;
    margin: 4px 0;
    padding-left: 20px;
    font-size: 0.9rem;
  }
  .error-text {
    color: var(--ocl-error);
    font-size: 0.85rem;
    margin-top: 6px;
  }
  .readonly {
    margin: 0 16px 8px;
    font-size: 0.8rem;
    color: var(--secondary-text-color);
  }
  dl {
    display: grid;
    grid-template-columns: max-content 1fr;
    gap: 2px 12px;
    margin: 4px 0 8px;
    font-size: 0.85rem;
  }
  dt {
    color: var(--secondary-text-color);
  }
  dd {
    margin: 0;
  }
  .message {
    border-left: 3px solid var(--ocl-border);
    padding: 0 0 0 10px;
    margin: 6px 0;
  }
  .message.assistant {
    border-left-color: var(--primary-color);
  }
  .message .who {
    font-size: 0.75rem;
    color: var(--secondary-text-color);
  }
  .more {
    padding: 6px 16px 0;
    font-size: 0.8rem;
    color: var(--secondary-text-color);
  }
  @media (max-width: 450px) {
    button.summary,
    .request,
    .details {
      padding-left: 12px;
      padding-right: 12px;
    }
  }
`;var $t={waiting_permission:0,waiting_input:0,working:1,error:2,idle:2};function ee(i){return i.state==="waiting_permission"||i.state==="waiting_input"}function X(i){return $t[i.state]??2}function Z(i){let e=i?Date.parse(i):NaN;return Number.isNaN(e)?0:e}function vt(i,e){let t=X(i)-X(e);return t!==0?t:ee(i)?Z(i.state_since)-Z(e.state_since)||i.id.localeCompare(e.id):Z(e.last_activity)-Z(i.last_activity)||i.id.localeCompare(e.id)}function Ze(i,e){let t=e.machines?.length?new Set(e.machines):null,s=Math.max(0,e.idle_count??5);return i.filter(r=>t===null||r.device_id!==null&&t.has(r.device_id)).sort((r,n)=>r.name.localeCompare(n.name)).map(r=>{let n=[...r.sessions].sort(vt),o=n.filter(l=>X(l)<2),d=n.filter(l=>X(l)>=2);return{machine:r,sessions:[...o,...d.slice(0,s)],hidden:Math.max(0,d.length-s)}})}function Xe(i){return i.reduce((e,t)=>e+t.sessions.filter(ee).length,0)}var tt="opencode_lookout",yt=`${tt}/subscribe`,bt=10,wt={idle:"mdi:sleep",working:"mdi:cog-play",waiting_permission:"mdi:shield-alert",waiting_input:"mdi:chat-question",error:"mdi:alert-circle"},P=class extends f{constructor(){super();this._drafts=new Map;this._config={type:"custom:opencode-lookout-card"},this._machines=null,this._now=Date.now(),this._expanded=new Set,this._busy=new Set,this._errors=new Map,this._messages=new Map}static getConfigElement(){return document.createElement("opencode-lookout-card-editor")}static getStubConfig(){return{idle_count:5}}setConfig(t){if(!t||typeof t!="object")throw new Error("Invalid configuration");if(t.idle_count!==void 0&&(typeof t.idle_count!="number"||t.idle_count<0))throw new Error("idle_count must be a number \u2265 0");if(t.machines!==void 0&&!Array.isArray(t.machines))throw new Error("machines must be a list of device ids");this._config=t}getCardSize(){let t=this._machines?.reduce((s,r)=>s+r.sessions.length,0)??1;return 1+Math.min(t,10)}getGridOptions(){return{columns:12,min_columns:6,min_rows:2}}connectedCallback(){super.connectedCallback(),this._timer=setInterval(()=>this._now=Date.now(),1e3),this._subscribe()}disconnectedCallback(){super.disconnectedCallback(),clearInterval(this._timer),this._unsubscribeNow()}updated(t){t.has("hass")&&this._subscribe()}_t(t,s){return Y(this.hass?.locale?.language??this.hass?.language,t,s)}_subscribe(){let t=this.hass?.connection;!t||!this.isConnected||this._subscribedTo===t||(this._unsubscribeNow(),this._subscribedTo=t,this._unsubscribe=t.subscribeMessage(s=>{this._machines=We(this._machines??[],s)},{type:yt}),this._unsubscribe.catch(s=>{this._subscribedTo=void 0,this._machines=[],this._errors=new Map(this._errors).set("card",_e(s))}))}_unsubscribeNow(){let t=this._unsubscribe;this._unsubscribe=void 0,this._subscribedTo=void 0,t?.then(s=>s()).catch(()=>{})}async _call(t,s,r){if(!this.hass)return;this._busy=new Set(this._busy).add(t);let n=new Map(this._errors);n.delete(t),this._errors=n;try{return await this.hass.callService(tt,s,r,void 0,!1,s==="get_messages")}catch(o){throw this._errors=new Map(this._errors).set(t,_e(o)),o}finally{let o=new Set(this._busy);o.delete(t),this._busy=o}}_replyPermission(t,s,r){let n={device_id:t.device_id,permission_id:s.id,reply:r},o=this._drafts.get(s.id)?.trim();r==="reject"&&o&&(n.message=o),this._call(t.id,"reply_permission",n).then(()=>this._drafts.delete(s.id),()=>{})}_replyQuestion(t,s,r){let n={device_id:t.device_id};r===null?n.reject=!0:n.answer=r,this._call(t.id,"reply_question",n).then(()=>this._drafts.delete(s.id),()=>{})}_abort(t){this._call(t.id,"abort_session",{device_id:t.device_id}).catch(()=>{})}async _loadMessages(t){this._messages=new Map(this._messages).set(t.id,"loading"),await xt();let s;try{s=(await this._call(`${t.id}:messages`,"get_messages",{device_id:t.device_id,limit:bt}))?.response?.messages??[]}catch(r){s={error:_e(r)}}this._messages=new Map(this._messages).set(t.id,s)}_toggle(t,s){let r=new Set(this._expanded);r.has(t.id)?r.delete(t.id):(r.add(t.id),s&&this._loadMessages(t)),this._expanded=r}render(){let t=this._machines===null?null:Ze(this._machines,this._config),s=t?Xe(t):0;return c`
      <ha-card>
        <div class="header">
          <h2>${this._config.title??this._t("title")}</h2>
          <span aria-live="polite">
            ${s?c`<span class="badge">${this._t("waiting_count",{count:s})}</span>`:h}
          </span>
        </div>
        ${this._errors.has("card")?c`<div class="empty error-text" role="alert">${this._errors.get("card")}</div>`:h}
        ${t===null?c`<div class="empty">${this._t("connecting")}</div>`:t.length===0?c`<div class="empty">${this._t("no_machines")}</div>`:t.map(r=>this._renderMachine(r))}
      </ha-card>
    `}_renderMachine(t){let{machine:s}=t,r=`machine-${s.entry_id}`;return c`
      <section class="machine" aria-labelledby=${r}>
        <h3 class="machine-name" id=${r}>
          <span>${s.name}</span>
          ${s.available?h:c`<span class="chip offline"><ha-icon icon="mdi:lan-disconnect"></ha-icon>${this._t("offline")}</span>`}
        </h3>
        ${s.can_steer||t.sessions.length===0?h:c`<p class="readonly">${this._t("read_only")}</p>`}
        ${t.sessions.length===0?c`<div class="empty">${this._t("no_sessions")}</div>`:c`<ul>
              ${Ve(t.sessions,n=>n.id,n=>this._renderRow(s,n))}
            </ul>`}
        ${t.hidden?c`<div class="more">${this._t("more_idle",{count:t.hidden})}</div>`:h}
      </section>
    `}_renderRow(t,s){let r=Ke(s,t.can_steer,t.available),n=t.available&&s.available,o=n?s.state:"offline",d=s.title||this._t("untitled"),l=this._expanded.has(s.id),u=Fe(s),g=ue(s.cost_total,this.hass?.locale?.language),a=`details-${s.id}`,m=n?this._t(`state_${s.state}`):this._t("session_offline");return c`
      <li class="row ${ee(s)?"waiting":""}" data-session=${s.id} data-state=${s.state}>
        <button
          class="summary"
          aria-expanded=${l?"true":"false"}
          aria-controls=${a}
          aria-label=${this._t(l?"collapse":"expand",{title:d})}
          @click=${()=>this._toggle(s,r.messages)}
        >
          <span class="chip ${o}">
            <ha-icon icon=${n?wt[s.state]??"mdi:help-circle":"mdi:lan-disconnect"}></ha-icon>
            ${m}
          </span>
          <span class="title">${d}</span>
          <span class="since">${Ge(s.state_since,this._now)}</span>
          <span class="meta">
            ${s.project?c`<span>${s.project}</span>`:h}
            ${s.model?c`<span>${s.model}</span>`:h}
            ${s.current_tool&&!s.pending_permissions.length?c`<span class="tool">${s.current_tool}</span>`:h}
            ${g?c`<span>${g}</span>`:h}
            ${u?c`<span class="subagent">${this._t("sub_agent",{agent:u})}</span>`:h}
          </span>
        </button>
        ${this._renderRequest(s,r.permission,r.question,u,t.can_steer&&n)}
        ${r.abort?c`<div class="request">
              <div class="actions">
                <button class="action danger" ?disabled=${this._busy.has(s.id)} @click=${()=>this._abort(s)}>
                  ${this._t("abort")}
                </button>
              </div>
            </div>`:h}
        ${this._errors.has(s.id)?c`<div class="request"><div class="error-text" role="alert">${this._t("error_action",{message:this._errors.get(s.id)??""})}</div></div>`:h}
        <div class="details" id=${a} ?hidden=${!l}>
          ${l?this._renderDetails(s,r.messages):h}
        </div>
      </li>
    `}_renderRequest(t,s,r,n,o){let d=s??t.pending_permissions[0]??null,l=r??t.question,u=this._busy.has(t.id),g=a=>a!==t.id&&n?c`<div class="small">${this._t("asked_by",{agent:n})}</div>`:h;if(d){let a=d,m=`reason-${a.id}`;return c`
        <div class="request">
          <h4>${a.title||a.permission}</h4>
          ${g(a.session_id)}
          <pre aria-label=${a.permission}>${a.patterns.length?a.patterns.join(`
`):a.title}</pre>
          ${a.always.length?c`<div class="small">${this._t("always_allows")}: <code>${a.always.join(", ")}</code></div>`:h}
          ${o&&s?c`<div class="actions">
                <button class="action primary" ?disabled=${u} @click=${()=>this._replyPermission(t,a,"once")}>
                  ${this._t("approve")}
                </button>
                <button class="action" ?disabled=${u} @click=${()=>this._replyPermission(t,a,"always")}>
                  ${this._t("always")}
                </button>
                <input
                  type="text"
                  id=${m}
                  aria-label=${this._t("reason")}
                  placeholder=${this._t("reason")}
                  .value=${this._drafts.get(a.id)??""}
                  @input=${p=>this._drafts.set(a.id,p.target.value)}
                  @keydown=${p=>p.key==="Enter"&&this._replyPermission(t,a,"reject")}
                />
                <button class="action danger" ?disabled=${u} @click=${()=>this._replyPermission(t,a,"reject")}>
                  ${this._t("reject")}
                </button>
              </div>`:h}
        </div>
      `}if(l){let a=l,m=o&&r!==null;return c`
        <div class="request">
          ${g(a.session_id)}
          ${a.questions.map(p=>c`
              <h4>${p.header?c`${p.header}: `:h}${p.question}</h4>
              ${m?c`<div class="actions" role="group" aria-label=${p.question}>
                    ${p.options.map(_=>c`
                        <button
                          class="action"
                          title=${_.description}
                          ?disabled=${u}
                          @click=${()=>this._replyQuestion(t,a,_.label)}
                        >
                          ${_.label}
                        </button>
                      `)}
                  </div>`:c`<ul class="options">
                    ${p.options.map(_=>c`<li>${_.label}${_.description?c` <span class="small">${_.description}</span>`:h}</li>`)}
                  </ul>`}
            `)}
          ${m?c`<div class="actions">
                <input
                  type="text"
                  aria-label=${this._t("answer")}
                  placeholder=${this._t("answer")}
                  .value=${this._drafts.get(a.id)??""}
                  @input=${p=>this._drafts.set(a.id,p.target.value)}
                  @keydown=${p=>p.key==="Enter"&&this._sendTyped(t,a)}
                />
                <button class="action primary" ?disabled=${u} @click=${()=>this._sendTyped(t,a)}>
                  ${this._t("send")}
                </button>
                <button class="action danger" ?disabled=${u} @click=${()=>this._replyQuestion(t,a,null)}>
                  ${this._t("reject")}
                </button>
              </div>`:h}
        </div>
      `}return h}_sendTyped(t,s){let r=this._drafts.get(s.id)?.trim();r&&this._replyQuestion(t,s,r)}_renderDetails(t,s){let r=Qe(t.context_used,t.context_limit),n=this._messages.get(t.id);return c`
      <dl>
        <dt>${this._t("tokens")}</dt>
        <dd>
          ${this._t("tokens_detail",{input:T(t.tokens_input),output:T(t.tokens_output),cache:T(t.tokens_cache_read+t.tokens_cache_write)})}
        </dd>
        ${r!==null?c`<dt>${this._t("context")}</dt>
              <dd>${r} % (${T(t.context_used??0)} / ${T(t.context_limit??0)})</dd>`:h}
        <dt>${this._t("files")}</dt>
        <dd>
          ${this._t("files_detail",{files:t.files_changed,added:t.lines_added,removed:t.lines_removed})}
        </dd>
        ${t.cost_total?c`<dt>${this._t("cost")}</dt><dd>${ue(t.cost_total,this.hass?.locale?.language)}</dd>`:h}
      </dl>
      ${t.error?c`<div class="error-text">${t.error.name}: ${t.error.message}</div>`:h}
      ${s?this._renderMessages(n):h}
    `}_renderMessages(t){let s=Array.isArray(t)?t.filter(n=>n.text.trim()):t,r;return s===void 0||s==="loading"?r=c`<div class="small">${this._t("loading")}</div>`:Array.isArray(s)?s.length===0?r=c`<div class="small">${this._t("no_messages")}</div>`:r=s.map(n=>c`
          <div class="message ${n.role}">
            <div class="who">${n.role}${n.agent?c` · ${n.agent}`:h}</div>
            ${At(n.text)}
          </div>
        `):r=c`<div class="error-text">${s.error}</div>`,c`<h4>${this._t("messages")}</h4>
      ${r}`}};P.styles=Ye,P.properties={hass:{attribute:!1},_config:{state:!0},_machines:{state:!0},_now:{state:!0},_expanded:{state:!0},_busy:{state:!0},_errors:{state:!0},_messages:{state:!0}};var et;function xt(){if(customElements.get("ha-markdown"))return Promise.resolve();let i=window.loadCardHelpers;return et??=i?i().then(e=>e.createCardElement({type:"markdown",content:""})).then(()=>customElements.whenDefined("ha-markdown")).catch(()=>{}):Promise.resolve(),et}function At(i){return customElements.get("ha-markdown")?c`<ha-markdown breaks .content=${i}></ha-markdown>`:c`<div style="white-space: pre-wrap">${i}</div>`}function _e(i){return i&&typeof i=="object"&&"message"in i?String(i.message):String(i)}var St={title:"editor_title",machines:"editor_machines",idle_count:"editor_idle_count"},Et=[{name:"title",selector:{text:{}}},{name:"machines",selector:{device:{multiple:!0,filter:[{integration:"opencode_lookout",model:"OpenCode Lookout agent"}]}}},{name:"idle_count",selector:{number:{min:0,max:50,mode:"box"}}}],I=class extends f{setConfig(e){this._config=e}render(){if(!this.hass||!this._config)return c``;let e=this.hass.locale?.language??this.hass.language;return c`
      <ha-form
        .hass=${this.hass}
        .data=${this._config}
        .schema=${Et}
        .computeLabel=${t=>Y(e,St[t.name]??"title")}
        @value-changed=${this._changed}
      ></ha-form>
    `}_changed(e){e.stopPropagation();let t={...e.detail.value};for(let s of["title","machines"]){let r=t[s];(r===void 0||r===""||Array.isArray(r)&&r.length===0)&&delete t[s]}this._config=t,this.dispatchEvent(new CustomEvent("config-changed",{detail:{config:t},bubbles:!0,composed:!0}))}};I.properties={hass:{attribute:!1},_config:{state:!0}};var R="opencode-lookout-card";customElements.get(R)||customElements.define(R,P);customElements.get(`${R}-editor`)||customElements.define(`${R}-editor`,I);var ge=window;ge.customCards??=[];ge.customCards.some(i=>i.type===R)||ge.customCards.push({type:R,name:"OpenCode Lookout",description:"Every OpenCode session at a glance: answer permissions and questions in one tap.",preview:!0,documentationURL:"https://github.com/opencode-lookout/opencode-lookout/blob/main/docs/card.md"});
/*! Bundled license information:

@lit/reactive-element/css-tag.js:
  (**
   * @license
   * Copyright 2019 Google LLC
   * SPDX-License-Identifier: BSD-3-Clause
   *)

@lit/reactive-element/reactive-element.js:
lit-html/lit-html.js:
lit-element/lit-element.js:
lit-html/directive.js:
lit-html/directives/repeat.js:
  (**
   * @license
   * Copyright 2017 Google LLC
   * SPDX-License-Identifier: BSD-3-Clause
   *)

lit-html/is-server.js:
  (**
   * @license
   * Copyright 2022 Google LLC
   * SPDX-License-Identifier: BSD-3-Clause
   *)

lit-html/directive-helpers.js:
  (**
   * @license
   * Copyright 2020 Google LLC
   * SPDX-License-Identifier: BSD-3-Clause
   *)
*/
