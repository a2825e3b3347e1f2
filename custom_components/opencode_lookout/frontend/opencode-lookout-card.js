/* opencode-lookout-card 0.1.0: built from card/ by scripts/build-card; do not edit */
var K=globalThis,Q=K.ShadowRoot&&(K.ShadyCSS===void 0||K.ShadyCSS.nativeShadow)&&"adoptedStyleSheets"in Document.prototype&&"replace"in CSSStyleSheet.prototype,ce=Symbol(),Re=new WeakMap,O=class{constructor(t,e,n){if(this._$cssResult$=!0,n!==ce)throw Error("CSSResult is not constructable. Use `unsafeCSS` or `css` instead.");this.cssText=t,this.t=e}get styleSheet(){let t=this.o,e=this.t;if(Q&&t===void 0){let n=e!==void 0&&e.length===1;n&&(t=Re.get(e)),t===void 0&&((this.o=t=new CSSStyleSheet).replaceSync(this.cssText),n&&Re.set(e,t))}return t}toString(){return this.cssText}},He=i=>new O(typeof i=="string"?i:i+"",void 0,ce),de=(i,...t)=>{let e=i.length===1?i[0]:t.reduce((n,s,r)=>n+(o=>{if(o._$cssResult$===!0)return o.cssText;if(typeof o=="number")return o;throw Error("Value passed to 'css' function must be a 'css' function result: "+o+". Use 'unsafeCSS' to pass non-literal values, but take care to ensure page security.")})(s)+i[r+1],i[0]);return new O(e,i,ce)},Ne=(i,t)=>{if(Q)i.adoptedStyleSheets=t.map(e=>e instanceof CSSStyleSheet?e:e.styleSheet);else for(let e of t){let n=document.createElement("style"),s=K.litNonce;s!==void 0&&n.setAttribute("nonce",s),n.textContent=e.cssText,i.appendChild(n)}},he=Q?i=>i:i=>i instanceof CSSStyleSheet?(t=>{let e="";for(let n of t.cssRules)e+=n.cssText;return He(e)})(i):i;var{is:Tt,defineProperty:Pt,getOwnPropertyDescriptor:Rt,getOwnPropertyNames:Ht,getOwnPropertySymbols:Nt,getPrototypeOf:It}=Object,F=globalThis,Ie=F.trustedTypes,Lt=Ie?Ie.emptyScript:"",Ot=F.reactiveElementPolyfillSupport,U=(i,t)=>i,pe={toAttribute(i,t){switch(t){case Boolean:i=i?Lt:null;break;case Object:case Array:i=i==null?i:JSON.stringify(i)}return i},fromAttribute(i,t){let e=i;switch(t){case Boolean:e=i!==null;break;case Number:e=i===null?null:Number(i);break;case Object:case Array:try{e=JSON.parse(i)}catch{e=null}}return e}},Oe=(i,t)=>!Tt(i,t),Le={attribute:!0,type:String,converter:pe,reflect:!1,useDefault:!1,hasChanged:Oe};Symbol.metadata??=Symbol("metadata"),F.litPropertyMetadata??=new WeakMap;var b=class extends HTMLElement{static addInitializer(t){this._$Ei(),(this.l??=[]).push(t)}static get observedAttributes(){return this.finalize(),this._$Eh&&[...this._$Eh.keys()]}static createProperty(t,e=Le){if(e.state&&(e.attribute=!1),this._$Ei(),this.prototype.hasOwnProperty(t)&&((e=Object.create(e)).wrapped=!0),this.elementProperties.set(t,e),!e.noAccessor){let n=Symbol(),s=this.getPropertyDescriptor(t,n,e);s!==void 0&&Pt(this.prototype,t,s)}}static getPropertyDescriptor(t,e,n){let{get:s,set:r}=Rt(this.prototype,t)??{get(){return this[e]},set(o){this[e]=o}};return{get:s,set(o){let d=s?.call(this);r?.call(this,o),this.requestUpdate(t,d,n)},configurable:!0,enumerable:!0}}static getPropertyOptions(t){return this.elementProperties.get(t)??Le}static _$Ei(){if(this.hasOwnProperty(U("elementProperties")))return;let t=It(this);t.finalize(),t.l!==void 0&&(this.l=[...t.l]),this.elementProperties=new Map(t.elementProperties)}static finalize(){if(this.hasOwnProperty(U("finalized")))return;if(this.finalized=!0,this._$Ei(),this.hasOwnProperty(U("properties"))){let e=this.properties,n=[...Ht(e),...Nt(e)];for(let s of n)this.createProperty(s,e[s])}let t=this[Symbol.metadata];if(t!==null){let e=litPropertyMetadata.get(t);if(e!==void 0)for(let[n,s]of e)this.elementProperties.set(n,s)}this._$Eh=new Map;for(let[e,n]of this.elementProperties){let s=this._$Eu(e,n);s!==void 0&&this._$Eh.set(s,e)}this.elementStyles=this.finalizeStyles(this.styles)}static finalizeStyles(t){let e=[];if(Array.isArray(t)){let n=new Set(t.flat(1/0).reverse());for(let s of n)e.unshift(he(s))}else t!==void 0&&e.push(he(t));return e}static _$Eu(t,e){let n=e.attribute;return n===!1?void 0:typeof n=="string"?n:typeof t=="string"?t.toLowerCase():void 0}constructor(){super(),this._$Ep=void 0,this.isUpdatePending=!1,this.hasUpdated=!1,this._$Em=null,this._$Ev()}_$Ev(){this._$ES=new Promise(t=>this.enableUpdating=t),this._$AL=new Map,this._$E_(),this.requestUpdate(),this.constructor.l?.forEach(t=>t(this))}addController(t){(this._$EO??=new Set).add(t),this.renderRoot!==void 0&&this.isConnected&&t.hostConnected?.()}removeController(t){this._$EO?.delete(t)}_$E_(){let t=new Map,e=this.constructor.elementProperties;for(let n of e.keys())this.hasOwnProperty(n)&&(t.set(n,this[n]),delete this[n]);t.size>0&&(this._$Ep=t)}createRenderRoot(){let t=this.shadowRoot??this.attachShadow(this.constructor.shadowRootOptions);return Ne(t,this.constructor.elementStyles),t}connectedCallback(){this.renderRoot??=this.createRenderRoot(),this.enableUpdating(!0),this._$EO?.forEach(t=>t.hostConnected?.())}enableUpdating(t){}disconnectedCallback(){this._$EO?.forEach(t=>t.hostDisconnected?.())}attributeChangedCallback(t,e,n){this._$AK(t,n)}_$ET(t,e){let n=this.constructor.elementProperties.get(t),s=this.constructor._$Eu(t,n);if(s!==void 0&&n.reflect===!0){let r=(n.converter?.toAttribute!==void 0?n.converter:pe).toAttribute(e,n.type);this._$Em=t,r==null?this.removeAttribute(s):this.setAttribute(s,r),this._$Em=null}}_$AK(t,e){let n=this.constructor,s=n._$Eh.get(t);if(s!==void 0&&this._$Em!==s){let r=n.getPropertyOptions(s),o=typeof r.converter=="function"?{fromAttribute:r.converter}:r.converter?.fromAttribute!==void 0?r.converter:pe;this._$Em=s;let d=o.fromAttribute(e,r.type);this[s]=d??this._$Ej?.get(s)??d,this._$Em=null}}requestUpdate(t,e,n,s=!1,r){if(t!==void 0){let o=this.constructor;if(s===!1&&(r=this[t]),n??=o.getPropertyOptions(t),!((n.hasChanged??Oe)(r,e)||n.useDefault&&n.reflect&&r===this._$Ej?.get(t)&&!this.hasAttribute(o._$Eu(t,n))))return;this.C(t,e,n)}this.isUpdatePending===!1&&(this._$ES=this._$EP())}C(t,e,{useDefault:n,reflect:s,wrapped:r},o){n&&!(this._$Ej??=new Map).has(t)&&(this._$Ej.set(t,o??e??this[t]),r!==!0||o!==void 0)||(this._$AL.has(t)||(this.hasUpdated||n||(e=void 0),this._$AL.set(t,e)),s===!0&&this._$Em!==t&&(this._$Eq??=new Set).add(t))}async _$EP(){this.isUpdatePending=!0;try{await this._$ES}catch(e){Promise.reject(e)}let t=this.scheduleUpdate();return t!=null&&await t,!this.isUpdatePending}scheduleUpdate(){return this.performUpdate()}performUpdate(){if(!this.isUpdatePending)return;if(!this.hasUpdated){if(this.renderRoot??=this.createRenderRoot(),this._$Ep){for(let[s,r]of this._$Ep)this[s]=r;this._$Ep=void 0}let n=this.constructor.elementProperties;if(n.size>0)for(let[s,r]of n){let{wrapped:o}=r,d=this[s];o!==!0||this._$AL.has(s)||d===void 0||this.C(s,void 0,r,d)}}let t=!1,e=this._$AL;try{t=this.shouldUpdate(e),t?(this.willUpdate(e),this._$EO?.forEach(n=>n.hostUpdate?.()),this.update(e)):this._$EM()}catch(n){throw t=!1,this._$EM(),n}t&&this._$AE(e)}willUpdate(t){}_$AE(t){this._$EO?.forEach(e=>e.hostUpdated?.()),this.hasUpdated||(this.hasUpdated=!0,this.firstUpdated(t)),this.updated(t)}_$EM(){this._$AL=new Map,this.isUpdatePending=!1}get updateComplete(){return this.getUpdateComplete()}getUpdateComplete(){return this._$ES}shouldUpdate(t){return!0}update(t){this._$Eq&&=this._$Eq.forEach(e=>this._$ET(e,this[e])),this._$EM()}updated(t){}firstUpdated(t){}};b.elementStyles=[],b.shadowRootOptions={mode:"open"},b[U("elementProperties")]=new Map,b[U("finalized")]=new Map,Ot?.({ReactiveElement:b}),(F.reactiveElementVersions??=[]).push("2.1.2");var me=globalThis,Ue=i=>i,G=me.trustedTypes,ze=G?G.createPolicy("lit-html",{createHTML:i=>i}):void 0,ge="$lit$",v=`lit$${Math.random().toFixed(9).slice(2)}$`,fe="?"+v,Ut=`<${fe}>`,E=document,D=()=>E.createComment(""),q=i=>i===null||typeof i!="object"&&typeof i!="function",_e=Array.isArray,Ve=i=>_e(i)||typeof i?.[Symbol.iterator]=="function",ue=`[ 	
\f\r]`,z=/<(?:(!--|\/[^a-zA-Z])|(\/?[a-zA-Z][^>\s]*)|(\/?$))/g,De=/-->/g,qe=/>/g,S=RegExp(`>|${ue}(?:([^\\s"'>=/]+)(${ue}*=${ue}*(?:[^ 	
\f\r"'\`<>=]|("|')|))|$)`,"g"),Be=/'/g,je=/"/g,Ke=/^(?:script|style|textarea|title)$/i,$e=i=>(t,...e)=>({_$litType$:i,strings:t,values:e}),c=$e(1),_n=$e(2),$n=$e(3),y=Symbol.for("lit-noChange"),g=Symbol.for("lit-nothing"),We=new WeakMap,k=E.createTreeWalker(E,129);function Qe(i,t){if(!_e(i)||!i.hasOwnProperty("raw"))throw Error("invalid template strings array");return ze!==void 0?ze.createHTML(t):t}var Fe=(i,t)=>{let e=i.length-1,n=[],s,r=t===2?"<svg>":t===3?"<math>":"",o=z;for(let d=0;d<e;d++){let a=i[d],h,m,l=-1,f=0;for(;f<a.length&&(o.lastIndex=f,m=o.exec(a),m!==null);)f=o.lastIndex,o===z?m[1]==="!--"?o=De:m[1]!==void 0?o=qe:m[2]!==void 0?(Ke.test(m[2])&&(s=RegExp("</"+m[2],"g")),o=S):m[3]!==void 0&&(o=S):o===S?m[0]===">"?(o=s??z,l=-1):m[1]===void 0?l=-2:(l=o.lastIndex-m[2].length,h=m[1],o=m[3]===void 0?S:m[3]==='"'?je:Be):o===je||o===Be?o=S:o===De||o===qe?o=z:(o=S,s=void 0);let p=o===S&&i[d+1].startsWith("/>")?" ":"";r+=o===z?a+Ut:l>=0?(n.push(h),a.slice(0,l)+ge+a.slice(l)+v+p):a+v+(l===-2?d:p)}return[Qe(i,r+(i[e]||"<?>")+(t===2?"</svg>":t===3?"</math>":"")),n]},B=class i{constructor({strings:t,_$litType$:e},n){let s;this.parts=[];let r=0,o=0,d=t.length-1,a=this.parts,[h,m]=Fe(t,e);if(this.el=i.createElement(h,n),k.currentNode=this.el.content,e===2||e===3){let l=this.el.content.firstChild;l.replaceWith(...l.childNodes)}for(;(s=k.nextNode())!==null&&a.length<d;){if(s.nodeType===1){if(s.hasAttributes())for(let l of s.getAttributeNames())if(l.endsWith(ge)){let f=m[o++],p=s.getAttribute(l).split(v),u=/([.?@])?(.*)/.exec(f);a.push({type:1,index:r,name:u[2],strings:p,ctor:u[1]==="."?J:u[1]==="?"?X:u[1]==="@"?Z:M}),s.removeAttribute(l)}else l.startsWith(v)&&(a.push({type:6,index:r}),s.removeAttribute(l));if(Ke.test(s.tagName)){let l=s.textContent.split(v),f=l.length-1;if(f>0){s.textContent=G?G.emptyScript:"";for(let p=0;p<f;p++)s.append(l[p],D()),k.nextNode(),a.push({type:2,index:++r});s.append(l[f],D())}}}else if(s.nodeType===8)if(s.data===fe)a.push({type:2,index:r});else{let l=-1;for(;(l=s.data.indexOf(v,l+1))!==-1;)a.push({type:7,index:r}),l+=v.length-1}r++}}static createElement(t,e){let n=E.createElement("template");return n.innerHTML=t,n}};function C(i,t,e=i,n){if(t===y)return t;let s=n!==void 0?e._$Co?.[n]:e._$Cl,r=q(t)?void 0:t._$litDirective$;return s?.constructor!==r&&(s?._$AO?.(!1),r===void 0?s=void 0:(s=new r(i),s._$AT(i,e,n)),n!==void 0?(e._$Co??=[])[n]=s:e._$Cl=s),s!==void 0&&(t=C(i,s._$AS(i,t.values),s,n)),t}var Y=class{constructor(t,e){this._$AV=[],this._$AN=void 0,this._$AD=t,this._$AM=e}get parentNode(){return this._$AM.parentNode}get _$AU(){return this._$AM._$AU}u(t){let{el:{content:e},parts:n}=this._$AD,s=(t?.creationScope??E).importNode(e,!0);k.currentNode=s;let r=k.nextNode(),o=0,d=0,a=n[0];for(;a!==void 0;){if(o===a.index){let h;a.type===2?h=new P(r,r.nextSibling,this,t):a.type===1?h=new a.ctor(r,a.name,a.strings,this,t):a.type===6&&(h=new ee(r,this,t)),this._$AV.push(h),a=n[++d]}o!==a?.index&&(r=k.nextNode(),o++)}return k.currentNode=E,s}p(t){let e=0;for(let n of this._$AV)n!==void 0&&(n.strings!==void 0?(n._$AI(t,n,e),e+=n.strings.length-2):n._$AI(t[e])),e++}},P=class i{get _$AU(){return this._$AM?._$AU??this._$Cv}constructor(t,e,n,s){this.type=2,this._$AH=g,this._$AN=void 0,this._$AA=t,this._$AB=e,this._$AM=n,this.options=s,this._$Cv=s?.isConnected??!0}get parentNode(){let t=this._$AA.parentNode,e=this._$AM;return e!==void 0&&t?.nodeType===11&&(t=e.parentNode),t}get startNode(){return this._$AA}get endNode(){return this._$AB}_$AI(t,e=this){t=C(this,t,e),q(t)?t===g||t==null||t===""?(this._$AH!==g&&this._$AR(),this._$AH=g):t!==this._$AH&&t!==y&&this._(t):t._$litType$!==void 0?this.$(t):t.nodeType!==void 0?this.T(t):Ve(t)?this.k(t):this._(t)}O(t){return this._$AA.parentNode.insertBefore(t,this._$AB)}T(t){this._$AH!==t&&(this._$AR(),this._$AH=this.O(t))}_(t){this._$AH!==g&&q(this._$AH)?this._$AA.nextSibling.data=t:this.T(E.createTextNode(t)),this._$AH=t}$(t){let{values:e,_$litType$:n}=t,s=typeof n=="number"?this._$AC(t):(n.el===void 0&&(n.el=B.createElement(Qe(n.h,n.h[0]),this.options)),n);if(this._$AH?._$AD===s)this._$AH.p(e);else{let r=new Y(s,this),o=r.u(this.options);r.p(e),this.T(o),this._$AH=r}}_$AC(t){let e=We.get(t.strings);return e===void 0&&We.set(t.strings,e=new B(t)),e}k(t){_e(this._$AH)||(this._$AH=[],this._$AR());let e=this._$AH,n,s=0;for(let r of t)s===e.length?e.push(n=new i(this.O(D()),this.O(D()),this,this.options)):n=e[s],n._$AI(r),s++;s<e.length&&(this._$AR(n&&n._$AB.nextSibling,s),e.length=s)}_$AR(t=this._$AA.nextSibling,e){for(this._$AP?.(!1,!0,e);t!==this._$AB;){let n=Ue(t).nextSibling;Ue(t).remove(),t=n}}setConnected(t){this._$AM===void 0&&(this._$Cv=t,this._$AP?.(t))}},M=class{get tagName(){return this.element.tagName}get _$AU(){return this._$AM._$AU}constructor(t,e,n,s,r){this.type=1,this._$AH=g,this._$AN=void 0,this.element=t,this.name=e,this._$AM=s,this.options=r,n.length>2||n[0]!==""||n[1]!==""?(this._$AH=Array(n.length-1).fill(new String),this.strings=n):this._$AH=g}_$AI(t,e=this,n,s){let r=this.strings,o=!1;if(r===void 0)t=C(this,t,e,0),o=!q(t)||t!==this._$AH&&t!==y,o&&(this._$AH=t);else{let d=t,a,h;for(t=r[0],a=0;a<r.length-1;a++)h=C(this,d[n+a],e,a),h===y&&(h=this._$AH[a]),o||=!q(h)||h!==this._$AH[a],h===g?t=g:t!==g&&(t+=(h??"")+r[a+1]),this._$AH[a]=h}o&&!s&&this.j(t)}j(t){t===g?this.element.removeAttribute(this.name):this.element.setAttribute(this.name,t??"")}},J=class extends M{constructor(){super(...arguments),this.type=3}j(t){this.element[this.name]=t===g?void 0:t}},X=class extends M{constructor(){super(...arguments),this.type=4}j(t){this.element.toggleAttribute(this.name,!!t&&t!==g)}},Z=class extends M{constructor(t,e,n,s,r){super(t,e,n,s,r),this.type=5}_$AI(t,e=this){if((t=C(this,t,e,0)??g)===y)return;let n=this._$AH,s=t===g&&n!==g||t.capture!==n.capture||t.once!==n.once||t.passive!==n.passive,r=t!==g&&(n===g||s);s&&this.element.removeEventListener(this.name,this,n),r&&this.element.addEventListener(this.name,this,t),this._$AH=t}handleEvent(t){typeof this._$AH=="function"?this._$AH.call(this.options?.host??this.element,t):this._$AH.handleEvent(t)}},ee=class{constructor(t,e,n){this.element=t,this.type=6,this._$AN=void 0,this._$AM=e,this.options=n}get _$AU(){return this._$AM._$AU}_$AI(t){C(this,t)}},Ge={M:ge,P:v,A:fe,C:1,L:Fe,R:Y,D:Ve,V:C,I:P,H:M,N:X,U:Z,B:J,F:ee},zt=me.litHtmlPolyfillSupport;zt?.(B,P),(me.litHtmlVersions??=[]).push("3.3.3");var Ye=(i,t,e)=>{let n=e?.renderBefore??t,s=n._$litPart$;if(s===void 0){let r=e?.renderBefore??null;n._$litPart$=s=new P(t.insertBefore(D(),r),r,void 0,e??{})}return s._$AI(i),s};var be=globalThis,$=class extends b{constructor(){super(...arguments),this.renderOptions={host:this},this._$Do=void 0}createRenderRoot(){let t=super.createRenderRoot();return this.renderOptions.renderBefore??=t.firstChild,t}update(t){let e=this.render();this.hasUpdated||(this.renderOptions.isConnected=this.isConnected),super.update(t),this._$Do=Ye(e,this.renderRoot,this.renderOptions)}connectedCallback(){super.connectedCallback(),this._$Do?.setConnected(!0)}disconnectedCallback(){super.disconnectedCallback(),this._$Do?.setConnected(!1)}render(){return y}};$._$litElement$=!0,$.finalized=!0,be.litElementHydrateSupport?.({LitElement:$});var Dt=be.litElementPolyfillSupport;Dt?.({LitElement:$});(be.litElementVersions??=[]).push("4.2.2");var Je={ATTRIBUTE:1,CHILD:2,PROPERTY:3,BOOLEAN_ATTRIBUTE:4,EVENT:5,ELEMENT:6},Xe=i=>(...t)=>({_$litDirective$:i,values:t}),te=class{constructor(t){}get _$AU(){return this._$AM._$AU}_$AT(t,e,n){this._$Ct=t,this._$AM=e,this._$Ci=n}_$AS(t,e){return this.update(t,e)}update(t,e){return this.render(...e)}};var{I:qt}=Ge,Ze=i=>i;var et=()=>document.createComment(""),R=(i,t,e)=>{let n=i._$AA.parentNode,s=t===void 0?i._$AB:t._$AA;if(e===void 0){let r=n.insertBefore(et(),s),o=n.insertBefore(et(),s);e=new qt(r,o,i,i.options)}else{let r=e._$AB.nextSibling,o=e._$AM,d=o!==i;if(d){let a;e._$AQ?.(i),e._$AM=i,e._$AP!==void 0&&(a=i._$AU)!==o._$AU&&e._$AP(a)}if(r!==s||d){let a=e._$AA;for(;a!==r;){let h=Ze(a).nextSibling;Ze(n).insertBefore(a,s),a=h}}}return e},x=(i,t,e=i)=>(i._$AI(t,e),i),Bt={},tt=(i,t=Bt)=>i._$AH=t,nt=i=>i._$AH,ne=i=>{i._$AR(),i._$AA.remove()};var it=(i,t,e)=>{let n=new Map;for(let s=t;s<=e;s++)n.set(i[s],s);return n},st=Xe(class extends te{constructor(i){if(super(i),i.type!==Je.CHILD)throw Error("repeat() can only be used in text expressions")}dt(i,t,e){let n;e===void 0?e=t:t!==void 0&&(n=t);let s=[],r=[],o=0;for(let d of i)s[o]=n?n(d,o):o,r[o]=e(d,o),o++;return{values:r,keys:s}}render(i,t,e){return this.dt(i,t,e).values}update(i,[t,e,n]){let s=nt(i),{values:r,keys:o}=this.dt(t,e,n);if(!Array.isArray(s))return this.ut=o,r;let d=this.ut??=[],a=[],h,m,l=0,f=s.length-1,p=0,u=r.length-1;for(;l<=f&&p<=u;)if(s[l]===null)l++;else if(s[f]===null)f--;else if(d[l]===o[p])a[p]=x(s[l],r[p]),l++,p++;else if(d[f]===o[u])a[u]=x(s[f],r[u]),f--,u--;else if(d[l]===o[u])a[u]=x(s[l],r[u]),R(i,a[u+1],s[l]),l++,u--;else if(d[f]===o[p])a[p]=x(s[f],r[p]),R(i,s[l],s[f]),f--,p++;else if(h===void 0&&(h=it(o,p,u),m=it(d,l,f)),h.has(d[l]))if(h.has(d[f])){let _=m.get(o[p]),w=_!==void 0?s[_]:null;if(w===null){let T=R(i,s[l]);x(T,r[p]),a[p]=T}else a[p]=x(w,r[p]),R(i,s[l],w),s[_]=null;p++}else ne(s[f]),f--;else ne(s[l]),l++;for(;p<=u;){let _=R(i,a[u+1]);x(_,r[p]),a[p++]=_}for(;l<=f;){let _=s[l++];_!==null&&ne(_)}return this.ut=o,tt(i,a),y}});var jt={permission:null,question:null,abort:!1,messages:!1};function rt(i,t,e){if(!t||!e||!i.available||!i.device_id)return jt;let n=i.pending_permissions[0]??null,s=i.question??null;return{permission:n,question:s,abort:i.state==="working",messages:!0}}function ot(i){let t=i.pending_permissions[0];if(t&&t.session_id!==i.id)return i.current_agent??"sub-agent";let e=i.question;return e&&e.session_id!==i.id?i.current_agent??"sub-agent":i.current_agent&&i.current_agent!==i.agent?i.current_agent:null}function ve(i){let t=`${i.permission}: `,e=i.title.startsWith(t)?i.title.slice(t.length):null;if(!i.patterns.length)return{heading:i.permission,body:e??i.title};let n=e!==null&&!e.endsWith("\u2026")?Wt(e,i.patterns):null;return n!==null?{heading:i.permission,body:n}:{heading:e!==null?i.permission:i.title||i.permission,body:i.patterns.join(`
`)}}function Wt(i,t){let e=0,n="";for(let[s,r]of t.entries()){let o=r.split(/\s+/).filter(Boolean).join(" "),d=o?i.indexOf(o,e):-1;if(d<0)return null;let a=i.slice(e,d);n+=s>0&&a.trim()===""?`
`:a,n+=r,e=d+o.length}return n+i.slice(e)}var at={replyPermission:"opencode_lookout/reply_permission",replyQuestion:"opencode_lookout/reply_question",sendPrompt:"opencode_lookout/send_prompt"};function lt(i,t,e,n,s){let r={type:at.replyPermission,device_id:t.device_id,permission_id:e.id,reply:n},o=s?.trim();return n==="reject"&&o&&(r.message=o),i.callWS(r)}function ct(i,t,e){let n={type:at.replyQuestion,device_id:t.device_id};return e===null?n.reject=!0:n.answer=e,i.callWS(n)}function Vt(i){let t=Math.max(0,Math.floor(i/1e3));if(t<60)return`${t} s`;let e=Math.floor(t/60);if(e<60)return`${e} min`;let n=Math.floor(e/60);return n<24?`${n} h ${String(e%60).padStart(2,"0")} min`:`${Math.floor(n/24)} d ${n%24} h`}function dt(i,t){let e=i?Date.parse(i):NaN;return Number.isNaN(e)?"":Vt(t-e)}function ye(i,t="en"){return i?new Intl.NumberFormat(t,{style:"currency",currency:"USD",minimumFractionDigits:i<1?3:2,maximumFractionDigits:i<1?3:2}).format(i):""}function H(i){return i<1e3?String(i):i<1e6?`${(i/1e3).toFixed(i<1e4?1:0)}k`:`${(i/1e6).toFixed(1)}M`}function ht(i,t){return i===null||!t?null:Math.min(100,Math.round(i/t*100))}function pt(i){return i.todo_total>0?`${i.todo_done}/${i.todo_total}`:""}function N(i){return i?.locale?.language??i?.language}function ut(i,t){return!i||!t?i!==t:N(i)!==N(t)||i.connection!==t.connection}var Kt=new Set(["http:","https:","mailto:"]),se=8;function we(i){let t;try{t=new URL(i.trim())}catch{return null}return!Kt.has(t.protocol)||t.protocol!=="mailto:"&&!t.hostname?null:t.href}var mt=/^ {0,3}(`{3,}|~{3,})(.*)$/,gt=/^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$/,ft=/^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$/,Se=/^ {0,3}> ?(.*)$/,Qt=/^( {0,3})([-*+])([ \t]+)(.*)$/,Ft=/^( {0,3})(\d{1,9})([.)])([ \t]+)(.*)$/,Gt=/^ {0,3}\|?[ \t]*:?-+:?[ \t]*(\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*$/;function j(i){return i.trim()===""}function ie(i){let t=Qt.exec(i);if(t)return{ordered:!1,start:1,indent:t[1].length+1+Math.min(t[3].length,4),rest:t[4]};let e=Ft.exec(i);return e?{ordered:!0,start:Number(e[2]),indent:e[1].length+e[2].length+1+Math.min(e[4].length,4),rest:e[5]}:null}function xe(i){let t=i.trim();t.startsWith("|")&&(t=t.slice(1)),t.endsWith("|")&&!t.endsWith("\\|")&&(t=t.slice(0,-1));let e=[],n="";for(let s=0;s<t.length;s++)t[s]==="\\"&&t[s+1]==="|"?(n+="|",s++):t[s]==="|"?(e.push(n.trim()),n=""):n+=t[s];return e.push(n.trim()),e}function Ae(i){return mt.test(i)||gt.test(i)||ft.test(i)||Se.test(i)||ie(i)!==null}function ke(i,t){let e=[],n=0;for(;n<i.length;){let s=i[n];if(j(s)){n++;continue}let r=mt.exec(s);if(r&&!(r[1][0]==="`"&&r[2].includes("`"))){let h=new RegExp(`^ {0,3}${r[1][0]==="`"?"`":"~"}{${r[1].length},}[ \\t]*$`),m=[];for(n++;n<i.length&&!h.test(i[n]);)m.push(i[n++]);n++,e.push({t:"pre",v:m.join(`
`)});continue}let o=gt.exec(s);if(o){e.push({t:"h",level:o[1].length,c:A(o[2]??"")}),n++;continue}if(ft.test(s)){e.push({t:"hr"}),n++;continue}if(Se.test(s)){let h=[];for(;n<i.length&&!j(i[n]);){let m=Se.exec(i[n]);if(!m&&Ae(i[n]))break;h.push(m?m[1]:i[n]),n++}e.push(t<se?{t:"quote",c:ke(h,t+1)}:{t:"p",c:A(h.join(`
`))});continue}let d=ie(s);if(d){let h=[],{ordered:m,start:l}=d,f=d.indent,p=[d.rest];for(n++;n<i.length;){let u=i[n],_=ie(u);if(_&&_.ordered===m){h.push(p),p=[_.rest],f=_.indent,n++;continue}if(j(u)){let T=i[n+1];if(T!==void 0&&(T.startsWith(" ".repeat(f))||ie(T)?.ordered===m)){p.push(""),n++;continue}break}if(u.match(/^ */)[0].length>=f)p.push(u.slice(f));else{if(Ae(u))break;p.push(u)}n++}h.push(p),e.push({t:"list",ordered:m,start:l,items:h.map(u=>t<se?ke(u,t+1):[{t:"p",c:A(u.join(`
`))}])});continue}if(s.includes("|")&&n+1<i.length&&Gt.test(i[n+1])&&i[n+1].includes("-")){let h=xe(s);if(h.length===xe(i[n+1]).length){let m=[];for(n+=2;n<i.length&&!j(i[n])&&i[n].includes("|");){let l=xe(i[n++]);m.push(h.map((f,p)=>A(l[p]??"")))}e.push({t:"table",head:h.map(l=>A(l)),rows:m});continue}}let a=[];for(;n<i.length&&!j(i[n])&&(a.length===0||!Ae(i[n]));)a.push(i[n++]);e.push({t:"p",c:A(a.map(h=>h.trim()).join(`
`))})}return e}function _t(i){return ke(i.replace(/\r\n?/g,`
`).split(`
`),0)}var Yt=/[\\`*_{}[\]()#+\-.!|~<>"']/;function Jt(i,t){let e=0;for(let n=t;n<i.length;n++){let s=i[n];if(s==="\\")n++;else if(s==="[")e++;else if(s==="]"&&--e===0)return n}return-1}function Xt(i,t){if(i[t]!=="(")return null;let e=t+1;for(;i[e]===" ";)e++;let n="";if(i[e]==="<"){let s=i.indexOf(">",e);if(s<0)return null;n=i.slice(e+1,s),e=s+1}else{let s=0;for(;e<i.length;e++){let r=i[e];if(r==="\\"&&e+1<i.length){n+=i[++e];continue}if(r==="(")s++;else if(r===")"){if(s===0)break;s--}else if(r===" "||r===`
`)break;n+=r}}for(;i[e]===" "||i[e]===`
`;)e++;if(i[e]==='"'||i[e]==="'"){let s=i.indexOf(i[e],e+1);if(s<0)return null;for(e=s+1;i[e]===" ";)e++}return i[e]!==")"?null:{url:n,end:e+1}}var Zt=/^(?:https?:\/\/|mailto:)[^\s<>"']*[^\s<>"'.,;:!?)\]}*_~]/i;function Ee(i){return i!==void 0&&/[\p{L}\p{N}]/u.test(i)}function en(i,t,e){let n=t;for(;;){let s=i.indexOf(e,n);if(s<0)return-1;if(i[s-1]==="\\"){n=s+1;continue}let r=i[s-1],o=i[s+e.length],d=s>t&&r!==void 0&&!/\s/.test(r),a=e[0]!=="_"||!Ee(o);if(d&&a&&o!==e[0])return s;n=s+1}}function A(i,t=0){let e=[],n="",s=()=>{n&&e.push({t:"text",v:n}),n=""},r=0;for(;r<i.length;){let o=i[r];if(o==="\\"&&r+1<i.length&&Yt.test(i[r+1])){n+=i[r+1],r+=2;continue}if(o==="\\"&&i[r+1]===`
`){s(),e.push({t:"br"}),r+=2;continue}if(o===`
`){for(n=n.replace(/ +$/,""),s(),e.push({t:"br"}),r++;i[r]===" ";)r++;continue}if(o==="`"){let a=/^`+/.exec(i.slice(r))[0],h=i.indexOf(a,r+a.length);if(h>=0&&i[h+a.length]!=="`"){s();let m=i.slice(r+a.length,h).replace(/\n/g," ");m.length>2&&m.startsWith(" ")&&m.endsWith(" ")&&(m=m.slice(1,-1)),e.push({t:"code",v:m}),r=h+a.length;continue}n+=a,r+=a.length;continue}let d=o==="!"&&i[r+1]==="[";if(o==="["||d){let a=d?r+1:r,h=Jt(i,a),m=h>=0?Xt(i,h+1):null;if(m){s();let l=i.slice(a+1,h),f=we(m.url),p=t<se?A(l,t+1):[{t:"text",v:l}];if(d){let u=l.trim()?p:[{t:"text",v:m.url}];f?e.push({t:"link",href:f,c:u,image:!0}):e.push(...u)}else f?e.push({t:"link",href:f,c:p}):e.push(...p);r=m.end;continue}}if(o==="<"){let a=/^<((?:https?:\/\/|mailto:)[^\s<>]+)>/i.exec(i.slice(r)),h=a&&we(a[1]);if(a&&h){s(),e.push({t:"link",href:h,c:[{t:"text",v:a[1]}]}),r+=a[0].length;continue}}if((o==="h"||o==="H"||o==="m"||o==="M")&&!Ee(i[r-1])){let a=Zt.exec(i.slice(r)),h=a&&we(a[0]);if(a&&h){s(),e.push({t:"link",href:h,c:[{t:"text",v:a[0]}]}),r+=a[0].length;continue}}if(o==="*"||o==="_"||o==="~"){let a=i.slice(r).match(o==="~"?/^~+/:o==="*"?/^\*+/:/^_+/)[0],h=!(o==="_"&&Ee(i[r-1])),m=i[r+a.length];if(h&&m!==void 0&&!/\s/.test(m)&&t<se){let l=o==="~"?[["~~","del"]]:a.length>=2?[[o+o,"strong"],[o,"em"]]:[[o,"em"]],f=!1;for(let[p,u]of l){if(a.length<p.length)continue;let _=r+p.length,w=en(i,_,p);if(w>_){s(),e.push({t:u,c:A(i.slice(_,w),t+1)}),r=w+p.length,f=!0;break}}if(f)continue}n+=a,r+=a.length;continue}n+=o,r++}return s(),e}function W(i,t){return i.map(e=>{switch(e.t){case"text":return e.v;case"code":return c`<code>${e.v}</code>`;case"strong":return c`<strong>${W(e.c,t)}</strong>`;case"em":return c`<em>${W(e.c,t)}</em>`;case"del":return c`<del>${W(e.c,t)}</del>`;case"br":return c`<br />`;case"link":return c`<a
          href=${e.href}
          title=${e.href}
          target="_blank"
          rel="noopener noreferrer"
          referrerpolicy="no-referrer"
          class=${e.image?"image-link":g}
          >${e.image?`${t.image}: `:g}${W(e.c,t)}</a
        >`}})}function $t(i,t){let e=s=>s.map(r=>$t(r,t)),n=s=>W(s,t);switch(i.t){case"p":return c`<p>${n(i.c)}</p>`;case"h":return c`<p class="heading h${i.level}"><strong>${n(i.c)}</strong></p>`;case"pre":return c`<pre>${i.v}</pre>`;case"quote":return c`<blockquote>${e(i.c)}</blockquote>`;case"list":{let s=i.items.map(r=>c`<li>${e(r)}</li>`);return i.ordered?c`<ol start=${i.start===1?g:String(i.start)}>${s}</ol>`:c`<ul>${s}</ul>`}case"table":return c`<div class="table">
        <table>
          <thead>
            <tr>${i.head.map(s=>c`<th>${n(s)}</th>`)}</tr>
          </thead>
          <tbody>
            ${i.rows.map(s=>c`<tr>${s.map(r=>c`<td>${n(r)}</td>`)}</tr>`)}
          </tbody>
        </table>
      </div>`;case"hr":return c`<hr />`}}function bt(i,t={image:"Image"}){return c`<div class="markdown">${_t(i).map(e=>$t(e,t))}</div>`}function vt(i,t){switch(t.type){case"snapshot":return t.machines;case"machine":return i.some(n=>n.entry_id===t.machine.entry_id)?i.map(n=>n.entry_id===t.machine.entry_id?{...t.machine,sessions:n.sessions}:n):[...i,{...t.machine,sessions:[]}];case"machine_removed":return i.filter(e=>e.entry_id!==t.entry_id);case"session":return i.map(e=>{if(e.entry_id!==t.entry_id)return e;let n=e.sessions.filter(s=>s.id!==t.session.id);return{...e,sessions:[...n,t.session]}});case"session_removed":return i.map(e=>e.entry_id===t.entry_id?{...e,sessions:e.sessions.filter(n=>n.id!==t.session_id)}:e);default:return i}}var Ce={title:"OpenCode sessions",no_sessions:"No sessions",no_machines:"No OpenCode Lookout agent is set up",offline:"Agent offline",connecting:"Connecting\u2026",more_idle:"{count} more idle",waiting_count:"{count} waiting",state_idle:"Idle",state_working:"Working",state_waiting_permission:"Needs permission",state_waiting_input:"Has a question",state_error:"Error",session_offline:"Offline",approve:"Approve",always:"Always",reject:"Reject",abort:"Abort",send:"Send",reason:"Reason (optional, sent to the model)",reason_placeholder:"Reason (optional)",answer:"Your answer",answered_once:"Approved",answered_always:"Approved, and allowed from now on",answered_reject:"Rejected",answered_question:"Answered: {answer}",answered_dismissed:"Question dismissed",abort_sent:"Abort sent",always_allows:"Always allows",asked_by:"Asked by {agent}",sub_agent:"sub-agent {agent}",read_only:"Read only: an administrator can allow you to steer in the integration's options.",expand:"Show details of {title}",collapse:"Hide details of {title}",messages:"Last messages",image:"Image",no_messages:"No messages",loading:"Loading\u2026",tokens:"Tokens",tokens_detail:"{input} in, {output} out, {cache} cache",context:"Context",files:"Files changed",files_detail:"{files} (+{added} \u2212{removed})",plan:"Plan",plan_progress:"Plan: {done} of {total} done",cost:"Cost",untitled:"Untitled session",error_action:"Failed: {message}",editor_title:"Title",editor_machines:"Machines (all when empty)",editor_idle_count:"Idle sessions shown per machine"},tn={title:"OpenCode-Sitzungen",no_sessions:"Keine Sitzungen",no_machines:"Kein OpenCode-Lookout-Agent eingerichtet",offline:"Agent offline",connecting:"Verbinde\u2026",more_idle:"{count} weitere inaktiv",waiting_count:"{count} warten",state_idle:"Inaktiv",state_working:"Arbeitet",state_waiting_permission:"Braucht Erlaubnis",state_waiting_input:"Hat eine Frage",state_error:"Fehler",session_offline:"Offline",approve:"Erlauben",always:"Immer",reject:"Ablehnen",abort:"Abbrechen",send:"Senden",reason:"Begr\xFCndung (optional, geht an das Modell)",reason_placeholder:"Begr\xFCndung (optional)",answer:"Deine Antwort",answered_once:"Erlaubt",answered_always:"Erlaubt, und von nun an immer",answered_reject:"Abgelehnt",answered_question:"Beantwortet: {answer}",answered_dismissed:"Frage verworfen",abort_sent:"Abbruch gesendet",always_allows:"Immer erlaubt",asked_by:"Gefragt von {agent}",sub_agent:"Sub-Agent {agent}",read_only:"Nur lesen: ein Administrator kann dir das Steuern in den Optionen der Integration erlauben.",expand:"Details von {title} zeigen",collapse:"Details von {title} verbergen",messages:"Letzte Nachrichten",image:"Bild",no_messages:"Keine Nachrichten",loading:"Lade\u2026",tokens:"Tokens",context:"Kontext",files:"Ge\xE4nderte Dateien",plan:"Plan",plan_progress:"Plan: {done} von {total} erledigt",cost:"Kosten",untitled:"Sitzung ohne Titel",error_action:"Fehlgeschlagen: {message}",editor_title:"Titel",editor_machines:"Rechner (leer: alle)",editor_idle_count:"Gezeigte inaktive Sitzungen je Rechner"},yt={en:Ce,de:tn};function re(i,t,e={}){let n=(i??"en").toLowerCase();return((yt[n]??yt[n.split("-")[0]]??Ce)[t]??Ce[t]).replace(/\{(\w+)\}/g,(o,d)=>d in e?String(e[d]):`{${d}}`)}var wt=de`
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
    box-sizing: border-box;
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
  .progress ha-icon {
    --mdc-icon-size: 14px;
    margin-right: 2px;
    vertical-align: -2px;
  }
  .plan-title {
    font-size: 0.85rem;
    color: var(--secondary-text-color);
  }
  .plan {
    list-style: none;
    padding: 0;
    margin: 2px 0 8px;
    font-size: 0.85rem;
  }
  .plan .todo {
    display: flex;
    gap: 6px;
    align-items: flex-start;
    overflow-wrap: anywhere;
  }
  .plan ha-icon {
    --mdc-icon-size: 16px;
    flex: none;
    color: var(--secondary-text-color);
  }
  .plan .completed ha-icon {
    color: var(--success-color, var(--primary-color));
  }
  .plan .in_progress {
    font-weight: 500;
  }
  .plan .cancelled span {
    text-decoration: line-through;
    color: var(--secondary-text-color);
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
    overflow-wrap: anywhere;
    font-family: var(--code-font-family, monospace);
    font-size: 0.85rem;
    background: var(--code-background-color, var(--secondary-background-color, rgba(127, 127, 127, 0.12)));
    color: var(--primary-text-color);
  }
  /* A command breaks between its words only: each word is one box, wrapped inside
     (at a hyphen, else anywhere) only when it is wider than the whole line. */
  pre.command .word {
    display: inline-block;
    max-width: 100%;
    vertical-align: top;
  }
  .answered-note {
    display: flex;
    align-items: center;
    gap: 6px;
    min-height: 36px;
    margin-top: 8px;
    font-size: 0.9rem;
    font-weight: 500;
    color: var(--secondary-text-color);
    --mdc-icon-size: 20px;
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
  /* On a phone the reason goes on its own line, beside Reject, wide enough for its
     placeholder; on a wide card it fills the row between Always and Reject. */
  .actions input {
    flex: 1 1 200px;
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
  .markdown {
    font-size: 0.9rem;
    line-height: 1.45;
    overflow-wrap: anywhere;
  }
  .markdown > :first-child {
    margin-top: 2px;
  }
  .markdown > :last-child {
    margin-bottom: 2px;
  }
  .markdown p,
  .markdown ul,
  .markdown ol,
  .markdown blockquote,
  .markdown pre,
  .markdown .table {
    margin: 6px 0;
  }
  .markdown ul,
  .markdown ol {
    padding-left: 22px;
  }
  .markdown li > p {
    margin: 2px 0;
  }
  .markdown code {
    font-family: var(--code-font-family, monospace);
    font-size: 0.85em;
    padding: 1px 4px;
    border-radius: 4px;
    background: var(--code-background-color, var(--secondary-background-color, rgba(127, 127, 127, 0.12)));
  }
  .markdown pre code {
    padding: 0;
    background: none;
  }
  .markdown blockquote {
    padding-left: 10px;
    border-left: 3px solid var(--ocl-border);
    color: var(--secondary-text-color);
  }
  .markdown a {
    color: var(--primary-color);
  }
  .markdown .heading {
    margin: 10px 0 4px;
  }
  .markdown .heading.h1 {
    font-size: 1.15em;
  }
  .markdown .heading.h2 {
    font-size: 1.05em;
  }
  .markdown hr {
    border: none;
    border-top: 1px solid var(--ocl-border);
  }
  .markdown .table {
    overflow-x: auto;
  }
  .markdown table {
    border-collapse: collapse;
    font-size: 0.95em;
  }
  .markdown th,
  .markdown td {
    border: 1px solid var(--ocl-border);
    padding: 2px 6px;
    text-align: left;
    overflow-wrap: normal;
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
`;var nn={waiting_permission:0,waiting_input:0,working:1,error:2,idle:2};function le(i){return i.state==="waiting_permission"||i.state==="waiting_input"}function ae(i){return nn[i.state]??2}function oe(i){let t=i?Date.parse(i):NaN;return Number.isNaN(t)?0:t}function sn(i,t){let e=ae(i)-ae(t);return e!==0?e:le(i)?oe(i.state_since)-oe(t.state_since)||i.id.localeCompare(t.id):oe(t.last_activity)-oe(i.last_activity)||i.id.localeCompare(t.id)}function xt(i,t){let e=t.machines?.length?new Set(t.machines):null,n=Math.max(0,t.idle_count??5);return i.filter(s=>e===null||s.device_id!==null&&e.has(s.device_id)).sort((s,r)=>s.name.localeCompare(r.name)).map(s=>{let r=[...s.sessions].sort(sn),o=r.filter(a=>ae(a)<2),d=r.filter(a=>ae(a)>=2);return{machine:s,sessions:[...o,...d.slice(0,n)],hidden:Math.max(0,d.length-n)}})}function At(i){return i.reduce((t,e)=>t+e.sessions.filter(le).length,0)}function St(i,t){if(!t)return i;let e=new Map(t.map((s,r)=>[s,r]));return[...i.filter(s=>e.has(s.id)).sort((s,r)=>e.get(s.id)-e.get(r.id)),...i.filter(s=>!e.has(s.id))]}var Et="opencode_lookout",rn=`${Et}/subscribe`,on=10,an=3e3,ln={idle:"mdi:sleep",working:"mdi:cog-play",waiting_permission:"mdi:shield-alert",waiting_input:"mdi:chat-question",error:"mdi:alert-circle"},Me={pending:"mdi:checkbox-blank-circle-outline",in_progress:"mdi:progress-clock",completed:"mdi:check-circle-outline",cancelled:"mdi:close-circle-outline"},I=class extends ${constructor(){super();this._drafts=new Map;this._order=new Map;this._config={type:"custom:opencode-lookout-card"},this._machines=null,this._now=Date.now(),this._expanded=new Set,this._busy=new Set,this._errors=new Map,this._messages=new Map,this._held=new Map}static getConfigElement(){return document.createElement("opencode-lookout-card-editor")}static getStubConfig(){return{idle_count:5}}setConfig(e){if(!e||typeof e!="object")throw new Error("Invalid configuration");if(e.idle_count!==void 0&&(typeof e.idle_count!="number"||e.idle_count<0))throw new Error("idle_count must be a number \u2265 0");if(e.machines!==void 0&&!Array.isArray(e.machines))throw new Error("machines must be a list of device ids");this._config=e}getCardSize(){let e=this._machines?.reduce((n,s)=>n+s.sessions.length,0)??1;return 1+Math.min(e,10)}getGridOptions(){return{columns:12,min_columns:6,min_rows:2}}connectedCallback(){super.connectedCallback(),this._timer=setInterval(()=>this._now=Date.now(),1e3),this._subscribe()}disconnectedCallback(){super.disconnectedCallback(),clearInterval(this._timer),clearTimeout(this._holdTimer),this._held=new Map,this._unsubscribeNow()}shouldUpdate(e){return e.has("hass")?(this._subscribe(),e.size>1||ut(e.get("hass"),this.hass)):!0}_t(e,n){return re(N(this.hass),e,n)}_subscribe(){let e=this.hass?.connection;!e||!this.isConnected||this._subscribedTo===e||(this._unsubscribeNow(),this._subscribedTo=e,this._unsubscribe=e.subscribeMessage(n=>{this._machines=vt(this._machines??[],n)},{type:rn}),this._unsubscribe.catch(n=>{this._subscribedTo=void 0,this._machines=[],this._errors=new Map(this._errors).set("card",Te(n))}))}_unsubscribeNow(){let e=this._unsubscribe;this._unsubscribe=void 0,this._subscribedTo=void 0,e?.then(n=>n()).catch(()=>{})}async _run(e,n){let s=this.hass;if(!s)return;this._busy=new Set(this._busy).add(e);let r=new Map(this._errors);r.delete(e),this._errors=r;try{return await n(s)}catch(o){throw this._errors=new Map(this._errors).set(e,Te(o)),o}finally{let o=new Set(this._busy);o.delete(e),this._busy=o}}_call(e,n,s){return this._run(e,r=>r.callService(Et,n,s,void 0,!1,n==="get_messages"))}_hold(e,n,s){let r=n.currentTarget?.closest?.("li.row");this._held=new Map(this._held).set(e.id,{...s,height:r?.offsetHeight??0}),clearTimeout(this._holdTimer),this._holdTimer=setTimeout(()=>this._held=new Map,an)}_release(e){if(!this._held.has(e))return;let n=new Map(this._held);n.delete(e),this._held=n}_replyPermission(e,n,s,r){let o=this._drafts.get(n.id),d=s==="once"?"answered_once":s==="always"?"answered_always":"answered_reject";this._hold(e,r,{note:d,permission:n}),this._run(e.id,a=>lt(a,e,n,s,o)).then(()=>this._drafts.delete(n.id),()=>this._release(e.id))}_replyQuestion(e,n,s,r){this._hold(e,r,{note:s===null?"answered_dismissed":"answered_question",answer:s??void 0,question:n}),this._run(e.id,o=>ct(o,e,s)).then(()=>this._drafts.delete(n.id),()=>this._release(e.id))}_abort(e,n){this._hold(e,n,{note:"abort_sent"}),this._call(e.id,"abort_session",{device_id:e.device_id}).catch(()=>this._release(e.id))}async _loadMessages(e){this._messages=new Map(this._messages).set(e.id,"loading"),cn();let n;try{n=(await this._call(`${e.id}:messages`,"get_messages",{device_id:e.device_id,limit:on}))?.response?.messages??[]}catch(s){n={error:Te(s)}}this._messages=new Map(this._messages).set(e.id,n)}_toggle(e,n){let s=new Set(this._expanded);s.has(e.id)?s.delete(e.id):(s.add(e.id),n&&this._loadMessages(e)),this._expanded=s}render(){let e=this._machines===null?null:xt(this._machines,this._config),n=e?At(e):0;return c`
      <ha-card>
        <div class="header">
          <h2>${this._config.title??this._t("title")}</h2>
          <span aria-live="polite">
            ${n?c`<span class="badge">${this._t("waiting_count",{count:n})}</span>`:g}
          </span>
        </div>
        ${this._errors.has("card")?c`<div class="empty error-text" role="alert">${this._errors.get("card")}</div>`:g}
        ${e===null?c`<div class="empty">${this._t("connecting")}</div>`:e.length===0?c`<div class="empty">${this._t("no_machines")}</div>`:e.map(s=>this._renderMachine(s))}
      </ha-card>
    `}_renderMachine(e){let{machine:n}=e,s=`machine-${n.entry_id}`,o=e.sessions.some(d=>this._held.has(d.id))?St(e.sessions,this._order.get(n.entry_id)):e.sessions;return this._order.set(n.entry_id,o.map(d=>d.id)),c`
      <section class="machine" aria-labelledby=${s}>
        <h3 class="machine-name" id=${s}>
          <span>${n.name}</span>
          ${n.available?g:c`<span class="chip offline"><ha-icon icon="mdi:lan-disconnect"></ha-icon>${this._t("offline")}</span>`}
        </h3>
        ${n.can_steer||e.sessions.length===0?g:c`<p class="readonly">${this._t("read_only")}</p>`}
        ${o.length===0?c`<div class="empty">${this._t("no_sessions")}</div>`:c`<ul>
              ${st(o,d=>d.id,d=>this._renderRow(n,d))}
            </ul>`}
        ${e.hidden?c`<div class="more">${this._t("more_idle",{count:e.hidden})}</div>`:g}
      </section>
    `}_renderRow(e,n){let s=rt(n,e.can_steer,e.available),r=e.available&&n.available,o=r?n.state:"offline",d=n.title||this._t("untitled"),a=this._expanded.has(n.id),h=ot(n),m=ye(n.cost_total,N(this.hass)),l=pt(n),f=`details-${n.id}`,p=r?this._t(`state_${n.state}`):this._t("session_offline"),u=this._held.get(n.id);return c`
      <li
        class="row ${le(n)?"waiting":""} ${u?"held":""}"
        data-session=${n.id}
        data-state=${n.state}
        style=${u?.height?`min-height: ${u.height}px`:g}
      >
        <button
          class="summary"
          aria-expanded=${a?"true":"false"}
          aria-controls=${f}
          aria-label=${this._t(a?"collapse":"expand",{title:d})}
          @click=${()=>this._toggle(n,s.messages)}
        >
          <span class="chip ${o}">
            <ha-icon icon=${r?ln[n.state]??"mdi:help-circle":"mdi:lan-disconnect"}></ha-icon>
            ${p}
          </span>
          <span class="title">${d}</span>
          <span class="since">${dt(n.state_since,this._now)}</span>
          <span class="meta">
            ${n.project?c`<span>${n.project}</span>`:g}
            ${n.model?c`<span>${n.model}</span>`:g}
            ${n.current_tool&&!n.pending_permissions.length?c`<span class="tool">${n.current_tool}</span>`:g}
            ${l?c`<span class="progress" title=${this._t("plan_progress",{done:n.todo_done,total:n.todo_total})}
                  ><ha-icon icon="mdi:format-list-checks"></ha-icon>${l}</span
                >`:g}
            ${m?c`<span>${m}</span>`:g}
            ${h?c`<span class="subagent">${this._t("sub_agent",{agent:h})}</span>`:g}
          </span>
        </button>
        ${u?this._renderHeld(u):this._renderRequest(n,s.permission,s.question,h,e.can_steer&&r)}
        ${s.abort&&!u?c`<div class="request">
              <div class="actions">
                <button class="action danger" ?disabled=${this._busy.has(n.id)} @click=${_=>this._abort(n,_)}>
                  ${this._t("abort")}
                </button>
              </div>
            </div>`:g}
        ${this._errors.has(n.id)?c`<div class="request"><div class="error-text" role="alert">${this._t("error_action",{message:this._errors.get(n.id)??""})}</div></div>`:g}
        <div class="details" id=${f} ?hidden=${!a}>
          ${a?this._renderDetails(n,s.messages):g}
        </div>
      </li>
    `}_renderRequest(e,n,s,r,o){let d=n??e.pending_permissions[0]??null,a=s??e.question,h=this._busy.has(e.id),m=l=>l!==e.id&&r?c`<div class="small">${this._t("asked_by",{agent:r})}</div>`:g;if(d){let l=d,f=`reason-${l.id}`,p=ve(l);return c`
        <div class="request">
          <h4>${p.heading}</h4>
          ${m(l.session_id)}
          <pre class="command" aria-label=${l.permission}>${kt(p.body)}</pre>
          ${l.always.length?c`<div class="small">${this._t("always_allows")}: <code>${l.always.join(", ")}</code></div>`:g}
          ${o&&n?c`<div class="actions">
                <button class="action primary" ?disabled=${h} @click=${u=>this._replyPermission(e,l,"once",u)}>
                  ${this._t("approve")}
                </button>
                <button class="action" ?disabled=${h} @click=${u=>this._replyPermission(e,l,"always",u)}>
                  ${this._t("always")}
                </button>
                <input
                  type="text"
                  id=${f}
                  aria-label=${this._t("reason")}
                  title=${this._t("reason")}
                  placeholder=${this._t("reason_placeholder")}
                  .value=${this._drafts.get(l.id)??""}
                  @input=${u=>this._drafts.set(l.id,u.target.value)}
                  @keydown=${u=>u.key==="Enter"&&this._replyPermission(e,l,"reject",u)}
                />
                <button class="action danger" ?disabled=${h} @click=${u=>this._replyPermission(e,l,"reject",u)}>
                  ${this._t("reject")}
                </button>
              </div>`:g}
        </div>
      `}if(a){let l=a,f=o&&s!==null;return c`
        <div class="request">
          ${m(l.session_id)}
          ${l.questions.map(p=>c`
              <h4>${p.header?c`${p.header}: `:g}${p.question}</h4>
              ${f?c`<div class="actions" role="group" aria-label=${p.question}>
                    ${p.options.map(u=>c`
                        <button
                          class="action"
                          title=${u.description}
                          ?disabled=${h}
                          @click=${_=>this._replyQuestion(e,l,u.label,_)}
                        >
                          ${u.label}
                        </button>
                      `)}
                  </div>`:c`<ul class="options">
                    ${p.options.map(u=>c`<li>${u.label}${u.description?c` <span class="small">${u.description}</span>`:g}</li>`)}
                  </ul>`}
            `)}
          ${f?c`<div class="actions">
                <input
                  type="text"
                  aria-label=${this._t("answer")}
                  placeholder=${this._t("answer")}
                  .value=${this._drafts.get(l.id)??""}
                  @input=${p=>this._drafts.set(l.id,p.target.value)}
                  @keydown=${p=>p.key==="Enter"&&this._sendTyped(e,l,p)}
                />
                <button class="action primary" ?disabled=${h} @click=${p=>this._sendTyped(e,l,p)}>
                  ${this._t("send")}
                </button>
                <button class="action danger" ?disabled=${h} @click=${p=>this._replyQuestion(e,l,null,p)}>
                  ${this._t("reject")}
                </button>
              </div>`:g}
        </div>
      `}return g}_sendTyped(e,n,s){let r=this._drafts.get(n.id)?.trim();r&&this._replyQuestion(e,n,r,s)}_renderHeld(e){let n=e.permission?ve(e.permission):null;return c`
      <div class="request answered">
        ${n?c`<h4>${n.heading}</h4><pre class="command">${kt(n.body)}</pre>`:g}
        ${e.question?e.question.questions.map(s=>c`<h4>${s.question}</h4>`):g}
        <div class="answered-note" role="status">
          <ha-icon icon="mdi:check-circle-outline"></ha-icon>
          <span>${this._t(e.note,{answer:e.answer??""})}</span>
        </div>
      </div>
    `}_renderDetails(e,n){let s=ht(e.context_used,e.context_limit),r=this._messages.get(e.id);return c`
      <dl>
        <dt>${this._t("tokens")}</dt>
        <dd>
          ${this._t("tokens_detail",{input:H(e.tokens_input),output:H(e.tokens_output),cache:H(e.tokens_cache_read+e.tokens_cache_write)})}
        </dd>
        ${s!==null?c`<dt>${this._t("context")}</dt>
              <dd>${s} % (${H(e.context_used??0)} / ${H(e.context_limit??0)})</dd>`:g}
        <dt>${this._t("files")}</dt>
        <dd>
          ${this._t("files_detail",{files:e.files_changed,added:e.lines_added,removed:e.lines_removed})}
        </dd>
        ${e.cost_total?c`<dt>${this._t("cost")}</dt><dd>${ye(e.cost_total,N(this.hass))}</dd>`:g}
      </dl>
      ${e.todo.length?this._renderPlan(e):g}
      ${e.error?c`<div class="error-text">${e.error.name}: ${e.error.message}</div>`:g}
      ${n?this._renderMessages(r):g}
    `}_renderPlan(e){return c`
      <div class="plan-title">
        ${e.todo_total?this._t("plan_progress",{done:e.todo_done,total:e.todo_total}):this._t("plan")}
      </div>
      <ol class="plan">
        ${e.todo.map(n=>c`<li class="todo ${Me[n.status]?n.status:"pending"}">
            <ha-icon icon=${Me[n.status]??Me.pending}></ha-icon><span>${n.content}</span>
          </li>`)}
      </ol>
    `}_renderMessages(e){let n=Array.isArray(e)?e.filter(r=>r.text.trim()):e,s;return n===void 0||n==="loading"?s=c`<div class="small">${this._t("loading")}</div>`:Array.isArray(n)?n.length===0?s=c`<div class="small">${this._t("no_messages")}</div>`:s=n.map(r=>c`
          <div class="message ${r.role}">
            <div class="who">${r.role}${r.agent?c` · ${r.agent}`:g}</div>
            ${bt(r.text,{image:this._t("image")})}
          </div>
        `):s=c`<div class="error-text">${n.error}</div>`,c`<h4>${this._t("messages")}</h4>
      ${s}`}};I.styles=wt,I.properties={hass:{attribute:!1},_config:{state:!0},_machines:{state:!0},_now:{state:!0},_expanded:{state:!0},_busy:{state:!0},_errors:{state:!0},_messages:{state:!0},_held:{state:!0}};function cn(){if(document.head.querySelector('meta[http-equiv="x-dns-prefetch-control" i][content="off" i]'))return;let i=document.createElement("meta");i.httpEquiv="x-dns-prefetch-control",i.content="off",document.head.append(i)}function kt(i){return i.split(/(\s+)/).map((t,e)=>e%2||!t?t:c`<span class="word">${t}</span>`)}function Te(i){return i&&typeof i=="object"&&"message"in i?String(i.message):String(i)}var dn={title:"editor_title",machines:"editor_machines",idle_count:"editor_idle_count"},hn=[{name:"title",selector:{text:{}}},{name:"machines",selector:{device:{multiple:!0,filter:[{integration:"opencode_lookout",model:"OpenCode Lookout agent"}]}}},{name:"idle_count",selector:{number:{min:0,max:50,mode:"box"}}}],V=class extends ${setConfig(t){this._config=t}render(){if(!this.hass||!this._config)return c``;let t=this.hass.locale?.language??this.hass.language;return c`
      <ha-form
        .hass=${this.hass}
        .data=${this._config}
        .schema=${hn}
        .computeLabel=${e=>re(t,dn[e.name]??"title")}
        @value-changed=${this._changed}
      ></ha-form>
    `}_changed(t){t.stopPropagation();let e={...t.detail.value};for(let n of["title","machines"]){let s=e[n];(s===void 0||s===""||Array.isArray(s)&&s.length===0)&&delete e[n]}this._config=e,this.dispatchEvent(new CustomEvent("config-changed",{detail:{config:e},bubbles:!0,composed:!0}))}};V.properties={hass:{attribute:!1},_config:{state:!0}};var L="opencode-lookout-card";function Ct(){customElements.get(L)||customElements.define(L,I),customElements.get(`${L}-editor`)||customElements.define(`${L}-editor`,V)}var pn=3e4,Mt=window;if(Mt.CustomElementRegistryPolyfill||!document.querySelector("home-assistant"))Ct();else{let i=Date.now(),t=setInterval(()=>{(Mt.CustomElementRegistryPolyfill||Date.now()-i>pn)&&(clearInterval(t),Ct())},20)}var Pe=window;Pe.customCards??=[];Pe.customCards.some(i=>i.type===L)||Pe.customCards.push({type:L,name:"OpenCode Lookout",description:"Every OpenCode session at a glance: answer permissions and questions in one tap.",preview:!0,documentationURL:"https://github.com/opencode-lookout/opencode-lookout/blob/main/docs/card.md"});
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
